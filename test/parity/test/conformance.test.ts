// The op-conformance table on every backend that starts, against the cpu backend: webgpu (Dawn; float16 weights read
// through shader-f16 where the adapter has it, and unpacked from u32 pairs), the CUDA backend's TypeScript layer over
// the emulated device, and whatever else the registry can start here (a real CUDA device). Unsupported is reported as
// such, and only where the backend's supports() says so.
import { type Backend, availableBackends, getBackend } from '@cria/core';
import { createBackend as createNativeCpuBackend } from '@cria/kernels-cpu';
import { createBackend as createReferenceBackend } from '@cria/kernels-cpu/reference';
import { cudaSupports } from '@cria/kernels-cuda';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { WebGpuBackend, probe as probeWebGpu } from '@cria/kernels-webgpu';
import { OP_CASES, formatResults, runConformance } from '@cria/ops-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let cpu: Backend;
beforeAll(async () => {
  cpu = await createReferenceBackend();
});

// The fast cpu backend, both builds, on one and two threads: every case of the table within its bound.
describe.each([
  { build: 'addon', threads: 1 },
  { build: 'addon', threads: 2 },
  { build: 'wasm', threads: 1 },
  { build: 'wasm', threads: 2 },
] as const)('op conformance on the cpu backend ($build, $threads threads)', ({ build, threads }) => {
  it('passes every case of the table within its bound, none unsupported', async () => {
    const native = await createNativeCpuBackend({ build, threads });
    try {
      expect(native.runner.kind).toBe(build);
      expect(native.runner.threads).toBe(threads);
      const results = await runConformance(native, cpu);
      expect(results).toHaveLength(OP_CASES.length);
      expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.status} ${r.message ?? ''}`), formatResults(`cpu ${native.description}`, results)).toEqual([]);
    } finally {
      native.dispose();
    }
  });
});
afterAll(() => cpu?.dispose());

describe.each([
  { label: 'shader-f16 when available', useShaderF16: true },
  { label: 'f16 unpacked from u32 pairs', useShaderF16: false },
])('op conformance on webgpu ($label)', ({ useShaderF16 }) => {
  it('passes every case of the table within its bound, none unsupported', async () => {
    const probed = await probeWebGpu();
    if (!probed.available) throw new Error(`webgpu must be available for these tests: ${probed.reason}`);
    const gpu = await WebGpuBackend.create({ useShaderF16 });
    try {
      const results = await runConformance(gpu, cpu);
      console.log(`${gpu.description} (shader-f16 in use: ${gpu.shaderF16})\n${formatResults('webgpu', results)}`);
      expect(results).toHaveLength(OP_CASES.length);
      expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
    } finally {
      gpu.dispose();
    }
  });
});

describe('op conformance on the cuda backend over the emulated device', () => {
  it('passes every case it supports; the rest are unsupported exactly where cudaSupports says', async () => {
    const backend = createEmulatedCudaBackend();
    const results = await runConformance(backend, cpu);
    backend.dispose();
    expect(results).toHaveLength(OP_CASES.length);
    const wrong = results.filter((r) => (cudaSupports(r.case.op, r.case.dtypes) ? r.status !== 'pass' : r.status !== 'unsupported'));
    expect(wrong, formatResults('cuda (emulated)', results)).toEqual([]);
    // linearMany's cases (q/k/v decode on the segmented matvec; biases, prefill, K=4099 per weight) all run here.
    const many = results.filter((r) => r.case.op === 'linearMany');
    expect(many.length).toBeGreaterThan(0);
    expect(many.filter((r) => r.status !== 'pass').map((r) => r.case.name)).toEqual([]);
  });
});

// The registry's other backends (a real CUDA device where there is one); webgpu is judged above.
const others = (await availableBackends()).filter((b) => b.name !== 'cpu' && b.name !== 'webgpu'); // cpu: judged above
describe('op conformance on the other backends the registry can start', () => {
  for (const { name, available, reason } of others) {
    it.skipIf(!available)(`${name}${available ? '' : ` (skipped: ${reason})`}: every supported case within its bound`, async () => {
      const backend = await getBackend(name);
      const results = await runConformance(backend, cpu);
      console.log(formatResults(name, results));
      expect(results.filter((r) => r.status === 'fail').map((r) => `${r.case.name}: ${r.message}`)).toEqual([]);
    });
  }
});
