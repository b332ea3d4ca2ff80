// Device-to-device copy bandwidth of the CUDA backend: cudaMemcpyAsync between two allocations on the backend's
// stream, each copy timed by CUDA events (the addon's recordTimer / timeSince), as bench/perf.ts measures it.
import { type CopyBandwidth, type CopyBandwidthOptions, checkCopyBandwidthArgs, copyBytesPerSecond } from '@cria/core';
import type { DevicePtr, NativeContext } from './binding.js';

/**
 * Allocates source and destination of `bytes` each, zeroes the source, copies once untimed, waits, then enqueues
 * `repetitions` copies with a timing event before the first and after each one; after a synchronize, each copy's
 * time is the span between its two events. Returns 2 × bytes / median seconds (bytes read + written). Both
 * allocations are freed, also on failure. Not while a CUDA graph is being captured (events cannot be recorded then).
 * The addon keeps its events until the context is disposed: repetitions + 1 of them per call.
 */
export async function measureDeviceCopyBandwidth(context: NativeContext, bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
  const repetitions = checkCopyBandwidthArgs(bytes, options);
  const allocated: DevicePtr[] = [];
  try {
    const source = context.alloc(bytes);
    allocated.push(source);
    const destination = context.alloc(bytes);
    allocated.push(destination);
    context.zero(source, bytes);
    context.copy(destination, source, bytes);
    await context.synchronize();
    const timers = [context.recordTimer()];
    for (let r = 0; r < repetitions; r++) {
      context.copy(destination, source, bytes);
      timers.push(context.recordTimer());
    }
    await context.synchronize();
    const seconds = timers.slice(1).map((end, r) => context.timeSince(timers[r]!, end) / 1000);
    return { bytesPerSecond: copyBytesPerSecond(bytes, seconds), bytes, repetitions, copiesPerSample: 1, timer: 'device events' };
  } finally {
    for (const p of allocated) context.free(p);
  }
}
