// Fills the GPU buffers of a tensor uploaded by ranges (core's readByRanges loop), never holding more than one range
// on the host.
import { type RangeLoop, type ReadRange, readByRanges } from '@cria/core';

/**
 * Fills `buffer` with the tensor's bytes [start, start + length). A buffer mapped at creation is filled in place and
 * unmapped; any other is written through `queue.writeBuffer`, which takes whole 4-byte words at word offsets: the
 * bytes of a word cut by a range wait (at most 3 of them) for the next range, and the last word is zero-padded.
 * `check` runs after each read (e.g. that the backend is open).
 */
export async function fillBufferByRanges(queue: GPUQueue, buffer: GPUBuffer, start: number, length: number, readRange: ReadRange, loop: RangeLoop, check: () => void): Promise<void> {
  const ranges = { ...loop, start, end: start + length };
  if (buffer.mapState === 'mapped') {
    const mapped = new Uint8Array(buffer.getMappedRange(0, Math.ceil(length / 4) * 4));
    await readByRanges(readRange, ranges, (bytes, offset) => {
      check();
      mapped.set(bytes, offset - start);
    });
    buffer.unmap();
    return;
  }
  // Bytes from word offset `pendingAt` not yet written (fewer than 4 between ranges).
  const pending = new Uint8Array(Math.ceil(Math.min(loop.chunkBytes, length) / 4) * 4 + 4);
  let pendingBytes = 0;
  let pendingAt = 0;
  await readByRanges(readRange, ranges, (bytes, offset) => {
    check();
    pending.set(bytes, pendingBytes);
    pendingBytes += bytes.byteLength;
    const last = offset + bytes.byteLength === start + length;
    const writable = last ? Math.ceil(pendingBytes / 4) * 4 : pendingBytes - (pendingBytes % 4);
    if (last) pending.fill(0, pendingBytes, writable);
    if (writable > 0) queue.writeBuffer(buffer, pendingAt, pending.buffer, pending.byteOffset, writable);
    pending.copyWithin(0, writable, pendingBytes);
    pendingAt += writable;
    pendingBytes = Math.max(0, pendingBytes - writable);
  });
}
