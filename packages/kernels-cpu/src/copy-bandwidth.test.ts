import { supportsCopyBandwidth } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';

describe('CpuBackend.measureCopyBandwidth', () => {
  it('reports a positive finite rate for the size and repetitions asked', async () => {
    const cpu = new CpuBackend();
    expect(supportsCopyBandwidth(cpu)).toBe(true);
    const result = await cpu.measureCopyBandwidth(4 << 20, { repetitions: 3 });
    expect(result.bytes).toBe(4 << 20);
    expect(result.repetitions).toBe(3);
    expect(result.timer).toBe('wall clock');
    expect(Number.isFinite(result.bytesPerSecond)).toBe(true);
    // between 10 MB/s and 10 TB/s: a host memcpy of 4 MiB is neither
    expect(result.bytesPerSecond).toBeGreaterThan(1e7);
    expect(result.bytesPerSecond).toBeLessThan(1e13);
  });

  it('refuses bad bytes and repetitions with errors naming them, and a disposed backend', async () => {
    const cpu = new CpuBackend();
    await expect(cpu.measureCopyBandwidth(0)).rejects.toThrow(/bytes must be a positive integer multiple of 4, got 0/);
    await expect(cpu.measureCopyBandwidth(1023)).rejects.toThrow(/got 1023/);
    await expect(cpu.measureCopyBandwidth(Number.NaN)).rejects.toThrow(/got NaN/);
    await expect(cpu.measureCopyBandwidth(1024, { repetitions: -1 })).rejects.toThrow(/options\.repetitions must be a positive integer/);
    cpu.dispose();
    await expect(cpu.measureCopyBandwidth(1024)).rejects.toThrow(/disposed/);
  });
});
