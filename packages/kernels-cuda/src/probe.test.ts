// probe() on whatever machine runs the tests: with a toolkit the addon must be built; without a device it
// must say why, cleanly, and the process must survive loading the addon afterwards.
import { execFileSync } from 'node:child_process';
import { BackendUnavailableError } from '@cria/core';
import { describe, expect, it, vi } from 'vitest';
import { addonBuilt, addonPath, loadAddon } from './binding.js';
import { createBackend, probe } from './index.js';

function toolkitPresent(): boolean {
  if (process.env.CUDA_HOME) return true;
  try {
    return execFileSync('sh', ['-c', 'command -v nvcc || true'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

describe('probe', () => {
  it('finds the addon built wherever a CUDA toolkit is (pnpm build compiles it)', () => {
    if (toolkitPresent()) expect(addonBuilt(), `${addonPath()} missing: run pnpm --filter @cria/kernels-cuda build`).toBe(true);
    else expect(addonBuilt() ? 'built' : 'not built').toMatch(/built/);
  });

  it('answers without throwing, with a reason when CUDA cannot start', async () => {
    const result = await probe();
    expect(typeof result.available).toBe('boolean');
    if (!result.available) {
      expect(result.reason).toMatch(/^(no CUDA device: |CUDA addon not built: |CUDA addon probe failed: )/);
    }
    if (!addonBuilt()) expect(result.reason).toMatch(/^CUDA addon not built: .*cria_cuda\.node is missing/);
  });

  it('reports the missing device through the driver, and this process survives loading the addon', async () => {
    const result = await probe();
    if (result.available || !addonBuilt()) {
      expect(result.available || !addonBuilt()).toBe(true);
      return;
    }
    // The child process loaded the addon and counted no device; loading it here must be as harmless.
    expect(result.reason).toMatch(/^no CUDA device: cuda(ErrorNoDevice|ErrorInsufficientDriver|ErrorNotSupported|ErrorSystemDriverMismatch|ErrorInitializationError|ErrorOperatingSystem)/);
    const count = loadAddon().deviceCount();
    expect(count.count).toBe(0);
    expect(count.error).toBeTruthy();
    expect(count.runtimeVersion).toBeGreaterThanOrEqual(12000);
  });

  it('createBackend rejects with the probe reason when CUDA cannot start', async () => {
    const result = await probe();
    if (result.available) {
      const backend = await createBackend();
      expect(backend.name).toBe('cuda');
      backend.dispose();
      return;
    }
    const failure = await createBackend().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect((failure as Error).message).toContain(result.reason!);
  });

  it('names CRIA_CUDA_ADDON when the addon it points at is missing', async () => {
    const saved = process.env.CRIA_CUDA_ADDON;
    process.env.CRIA_CUDA_ADDON = '/nonexistent/cria_cuda.node';
    try {
      vi.resetModules(); // probeCuda answers once per module instance
      const fresh = await import('./probe.js');
      const result = await fresh.probeCuda();
      expect(result.available).toBe(false);
      expect(result.reason).toBe('CUDA addon not built: /nonexistent/cria_cuda.node is missing (CRIA_CUDA_ADDON names it: point it at a built cria_cuda.node)');
    } finally {
      if (saved === undefined) delete process.env.CRIA_CUDA_ADDON;
      else process.env.CRIA_CUDA_ADDON = saved;
      vi.resetModules();
    }
  });
});
