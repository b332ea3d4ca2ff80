// CUDA-graph replay on the CUDA backend's TypeScript layer over an emulated device, against plain loops (the graph
// checks of src/cuda/device-checks.ts, which the GPU machine runs too).
import { type CudaBackend } from '@cria/kernels-cuda';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { graphCheck, graphDecodeCheck } from '../../src/cuda/device-checks.js';

let backend: CudaBackend;
afterEach(() => backend?.dispose());

describe('cuda backend (TypeScript layer) over an emulated device: CUDA graph replays', () => {
  it('replays a captured add over new inputs (device-checks graphCheck)', async () => {
    backend = createEmulatedCudaBackend();
    const check = await graphCheck(backend);
    expect(check.error, check.name).toBeLessThanOrEqual(check.bound);
  });

  it('replays a decode step (kvWriteAt + attentionAt) at 6 positions (device-checks graphDecodeCheck)', async () => {
    backend = createEmulatedCudaBackend();
    const check = await graphDecodeCheck(backend);
    expect(check.error, check.name).toBeLessThanOrEqual(check.bound);
    const long = await graphDecodeCheck(backend, { numHeads: 32, numKvHeads: 8, headDim: 64, maxLength: 640, prompt: 300, stride: 60 });
    expect(long.error, long.name).toBeLessThanOrEqual(long.bound);
  });
});
