// measureCopyBandwidth of the CUDA backend: the call sequence and arithmetic over a recording context with scripted
// timers, and a real measurement on the emulated device (its timers are host clocks around work that runs at once).
import { supportsCopyBandwidth } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test/recording-context.js';
import { CudaBackend } from './backend.js';
import { createEmulatedCudaBackend } from './testing.js';

const INFO = { name: 'recording', computeCapability: '9.0', totalMemory: 0, multiProcessorCount: 132 };

/** A recording context whose timers are scripted: timer i was recorded at `at[i]` ms. */
function scriptedTimers(at: number[]) {
  const ctx = recordingContext();
  let next = 0;
  ctx.recordTimer = () => {
    ctx.calls.push({ method: 'recordTimer', args: [] });
    return next++;
  };
  ctx.timeSince = (a: number, b: number) => at[b]! - at[a]!;
  return ctx;
}

describe('CudaBackend.measureCopyBandwidth', () => {
  it('times each copy between two events and reports 2 x bytes over the median, freeing both buffers', async () => {
    // events at 0, 2, 3, 7 ms: copies of 2, 1 and 4 ms; median 2 ms
    const ctx = scriptedTimers([0, 2, 3, 7]);
    const backend = new CudaBackend(ctx, INFO);
    expect(supportsCopyBandwidth(backend)).toBe(true);
    const bytes = 1 << 20;
    const result = await backend.measureCopyBandwidth(bytes, { repetitions: 3 });
    expect(result).toEqual({ bytesPerSecond: (2 * bytes) / 0.002, bytes, repetitions: 3, copiesPerSample: 1, timer: 'device events' });
    const methods = ctx.calls.map((c) => c.method);
    // zero the source, one untimed copy, then event, (copy, event) x 3
    expect(methods).toEqual(['zero', 'copy', 'recordTimer', 'copy', 'recordTimer', 'copy', 'recordTimer', 'copy', 'recordTimer']);
    for (const call of ctx.calls.filter((c) => c.method === 'copy')) expect(call.args[2]).toBe(bytes);
    expect(ctx.live.size).toBe(0);
    expect(ctx.freed).toHaveLength(2);
  });

  it('frees both buffers when timing fails, and refuses bad bytes before allocating', async () => {
    const ctx = scriptedTimers([0, 0, 0]); // a zero median: below the timer's resolution
    const backend = new CudaBackend(ctx, INFO);
    await expect(backend.measureCopyBandwidth(64, { repetitions: 2 })).rejects.toThrow(/below the timer's resolution/);
    expect(ctx.live.size).toBe(0);
    expect(ctx.freed).toHaveLength(2);
    await expect(backend.measureCopyBandwidth(-8)).rejects.toThrow(/bytes must be a positive integer multiple of 4, got -8/);
    await expect(backend.measureCopyBandwidth(1e6 + 2)).rejects.toThrow(/got 1000002/);
    expect(ctx.freed).toHaveLength(2);
    backend.dispose();
    await expect(backend.measureCopyBandwidth(64)).rejects.toThrow(/disposed/);
  });

  it('measures a positive finite rate on the emulated device and leaves its memory as it was', async () => {
    const backend = createEmulatedCudaBackend({ totalMemory: 64 << 20 });
    const before = backend.memoryInfo().poolUsed;
    const result = await backend.measureCopyBandwidth(4 << 20, { repetitions: 3 });
    expect(result.bytes).toBe(4 << 20);
    expect(result.timer).toBe('device events');
    expect(Number.isFinite(result.bytesPerSecond)).toBe(true);
    expect(result.bytesPerSecond).toBeGreaterThan(1e7);
    expect(backend.memoryInfo().poolUsed).toBe(before);
    // more than the emulated device holds: the allocation fails and nothing is left allocated
    await expect(backend.measureCopyBandwidth(48 << 20)).rejects.toThrow();
    expect(backend.memoryInfo().poolUsed).toBe(before);
    backend.dispose();
  });
});
