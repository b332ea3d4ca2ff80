// The CUDA backend on a real device: the whole op-conformance table against the CPU backend, and the
// kernel paths only larger shapes reach. Where there is no device the suite reports skipped, with why.
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { formatResults, runConformance } from '@cria/ops-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CudaBackend, createBackend, probeCuda } from '@cria/kernels-cuda';
import { runDeviceChecks } from '../../src/cuda/device-checks.js';

const probed = await probeCuda();
const title = probed.available ? `cuda on ${probed.device?.name}` : `cuda device suite (skipped: ${probed.reason})`;

describe.skipIf(!probed.available)(title, () => {
  let backend: CudaBackend;
  beforeAll(async () => {
    backend = await createBackend();
  });
  afterAll(() => backend?.dispose());

  it('passes the op-conformance table against the CPU backend', async () => {
    const cpu = await createCpuBackend();
    const results = await runConformance(backend, cpu);
    const bad = results.filter((r) => r.status !== 'pass');
    expect(bad, formatResults('cuda', results)).toEqual([]);
  });

  it('agrees with plain loops on the large-shape kernel paths and replays CUDA graphs', async () => {
    const checks = await runDeviceChecks(backend);
    const bad = checks.filter((c) => !(c.error <= c.bound));
    expect(bad, checks.map((c) => `${c.name}: ${c.error.toExponential(2)} (bound ${c.bound})`).join('\n')).toEqual([]);
  });
});
