import { describe, expect, it } from 'vitest';
import { availableBackends, getBackend, registerBackend } from './registry.js';
import { BackendUnavailableError } from './errors.js';

describe('backend registry', () => {
  it('names every candidate and why it failed', async () => {
    registerBackend('cuda', { probe: async () => ({ available: false, reason: 'no driver' }), createBackend: async () => { throw new Error('x'); } });
    registerBackend('webgpu', async () => { throw Object.assign(new Error('gone'), { code: 'ERR_MODULE_NOT_FOUND' }); });
    registerBackend('cpu', { probe: async () => ({ available: false, reason: 'disabled for the test' }), createBackend: async () => { throw new Error('x'); } });
    const list = await availableBackends();
    expect(list).toEqual([
      { name: 'cuda', available: false, reason: 'no driver' },
      { name: 'webgpu', available: false, reason: 'package @cria/kernels-webgpu is not installed (npm install @cria/kernels-webgpu)' },
      { name: 'cpu', available: false, reason: 'disabled for the test' },
    ]);
    const error = await getBackend('auto').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('cuda: no driver');
    expect((error as Error).message).toContain('cpu: disabled for the test');
  });
  it('rejects an unknown device by name', async () => {
    await expect(getBackend('tpu' as never)).rejects.toThrow(/unknown device 'tpu'/);
  });
});
