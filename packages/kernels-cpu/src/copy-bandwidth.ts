// Copy bandwidth of host memory (the CPU backend's device): TypedArray.prototype.set between two buffers.
import { type CopyBandwidth, type CopyBandwidthOptions, checkCopyBandwidthArgs, copyBytesPerSecond } from '@cria/core';

/**
 * Allocates two `bytes`-byte buffers, copies one into the other once untimed, then `repetitions` times timed with
 * performance.now(); 2 × bytes / median seconds (bytes read + written). The buffers are dropped on return (the
 * CPU backend's memory is the garbage-collected heap).
 */
export async function measureHostCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
  const repetitions = checkCopyBandwidthArgs(bytes, options);
  const source = new Uint8Array(bytes);
  const destination = new Uint8Array(bytes);
  // Distinct pages in the source, so the copy is not of freshly mapped zero pages.
  for (let i = 0; i < bytes; i += 4096) source[i] = i & 0xff;
  destination.set(source); // warm-up: maps the destination's pages
  const seconds: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const start = performance.now();
    destination.set(source);
    seconds.push((performance.now() - start) / 1000);
  }
  return { bytesPerSecond: copyBytesPerSecond(bytes, seconds), bytes, repetitions, copiesPerSample: 1, timer: 'wall clock' };
}
