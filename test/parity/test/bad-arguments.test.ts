// The bad-arguments table of @cria/ops-conformance on every backend that starts: each row throws the same error class
// on cpu, webgpu and the CUDA backend over the emulated device (and on a real CUDA device where there is one), with a
// message that names the argument; the rows that must succeed (topk k = 0) succeed everywhere.
import { type Backend, getBackend, availableBackends } from '@cria/core';
import { CpuBackend, createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { WebGpuBackend } from '@cria/kernels-webgpu';
import { BAD_ARGUMENT_CASES, formatBadArguments, runBadArguments } from '@cria/ops-conformance';
import { describe, expect, it } from 'vitest';

const cuda = (await availableBackends()).find((b) => b.name === 'cuda')!;
const starters: [string, () => Promise<Backend>, boolean, string?][] = [
  ['reference', async () => new CpuBackend(), true],
  ['cpu (addon, 2 threads)', () => createCpuBackend({ build: 'addon', threads: 2 }), true],
  ['cpu (wasm, 2 threads)', () => createCpuBackend({ build: 'wasm', threads: 2 }), true],
  ['webgpu (Dawn)', () => WebGpuBackend.create(), true],
  ['cuda (emulated device)', async () => createEmulatedCudaBackend(), true],
  ['cuda (device)', () => getBackend('cuda'), cuda.available, cuda.reason],
];

describe('the bad-arguments table on every backend', () => {
  for (const [name, start, available, reason] of starters) {
    it.skipIf(!available)(`${name}${available ? '' : ` (skipped: ${reason})`}: every row as the table says (${BAD_ARGUMENT_CASES.length} rows)`, async () => {
      const backend = await start();
      try {
        const results = await runBadArguments(backend, start);
        expect(results.filter((r) => r.status === 'fail'), formatBadArguments(name, results)).toEqual([]);
      } finally {
        backend.dispose();
      }
    });
  }
});
