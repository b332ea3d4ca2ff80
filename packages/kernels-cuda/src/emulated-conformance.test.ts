// The CUDA backend's TypeScript layer over an emulated device: the whole op-conformance table against the CPU
// backend. Every case passes, or is reported unsupported exactly where cudaSupports says so.
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { OP_CASES, formatResults, runConformance } from '@cria/ops-conformance';
import { describe, expect, it } from 'vitest';
import { cudaSupports } from './supports.js';
import { createEmulatedCudaBackend } from './testing.js';

describe('cuda backend (TypeScript layer) over an emulated device: op conformance', () => {
  it('passes every case of the table the backend supports, against the CPU backend', async () => {
    const backend = createEmulatedCudaBackend();
    const cpu = await createCpuBackend();
    const results = await runConformance(backend, cpu);
    backend.dispose();
    expect(results).toHaveLength(OP_CASES.length);
    const wrong = results.filter((r) => (cudaSupports(r.case.op, r.case.dtypes) ? r.status !== 'pass' : r.status !== 'unsupported'));
    expect(wrong, formatResults('cuda (emulated)', results)).toEqual([]);
    expect(results.filter((r) => r.status === 'pass').length).toBeGreaterThan(0);
    // linearMany's cases (q/k/v decode on the segmented matvec; biases, prefill, K=4099 per weight) all run here.
    const many = results.filter((r) => r.case.op === 'linearMany');
    expect(many.length).toBeGreaterThan(0);
    expect(many.filter((r) => r.status !== 'pass').map((r) => r.case.name)).toEqual([]);
  });
});
