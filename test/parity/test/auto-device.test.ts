// device: 'auto' on a machine without a GPU: it passes over CUDA (no device) and a software WebGPU adapter (lavapipe
// here, as llvmpipe and SwiftShader elsewhere) and lands on the cpu backend, saying why for each; asked for by name,
// the software adapter still starts.
import { availableBackends, getBackend } from '@cria/core';
import { describe, expect, it } from 'vitest';

describe("device: 'auto' without a GPU", () => {
  it('lands on the cpu backend, not on the software WebGPU adapter', async () => {
    const list = await availableBackends();
    const cuda = list.find((b) => b.name === 'cuda')!;
    const webgpu = list.find((b) => b.name === 'webgpu')!;
    const cpu = list.find((b) => b.name === 'cpu')!;
    expect(cpu).toEqual({ name: 'cpu', available: true });
    expect(webgpu.available).toBe(false);
    expect(webgpu.reason).toMatch(/software|fallback/);
    const auto = await getBackend('auto');
    if (cuda.available) {
      expect(auto.name).toBe('cuda');
    } else {
      expect(auto.name).toBe('cpu');
      expect((auto as { description?: string }).description).toMatch(/^(addon|wasm) /);
    }
    expect((await getBackend('webgpu')).name).toBe('webgpu');
  });
});
