// Fills one GPU buffer of an uploaded tensor from byte ranges, never holding more than one range on the host.
import { ArgumentError } from '@cria/core';

export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/** Checks a range read returned exactly what was asked for. */
export function checkRange(bytes: unknown, offset: number, length: number): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
    throw new ArgumentError(
      `uploadByRanges: readRange(${offset}, ${length}) returned ${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : 'no Uint8Array'}; expected ${length} bytes`,
    );
  }
  return bytes;
}

/**
 * Fills `buffer` with the tensor's bytes [start, start + length), read in order in ranges of at most
 * `chunkBytes`. A buffer mapped at creation is filled in place and unmapped; any other is written through
 * `queue.writeBuffer`, which takes whole 4-byte words at word offsets: the bytes of a word cut by a range wait
 * (at most 3 of them) for the next range, and the last word is zero-padded. `afterRange(end)` is called with
 * the tensor offset reached after each range; `check` runs after each read (e.g. that the backend is open).
 */
export async function fillBufferByRanges(
  queue: GPUQueue,
  buffer: GPUBuffer,
  start: number,
  length: number,
  readRange: ReadRange,
  chunkBytes: number,
  afterRange: (end: number) => void,
  check: () => void,
): Promise<void> {
  if (buffer.mapState === 'mapped') {
    const mapped = new Uint8Array(buffer.getMappedRange(0, Math.ceil(length / 4) * 4));
    for (let at = 0; at < length; at += chunkBytes) {
      const n = Math.min(chunkBytes, length - at);
      const bytes = checkRange(await readRange(start + at, n), start + at, n);
      check();
      mapped.set(bytes, at);
      afterRange(start + at + n);
    }
    buffer.unmap();
    return;
  }
  // Bytes from word offset `pendingAt` not yet written (fewer than 4 between ranges).
  const pending = new Uint8Array(Math.ceil(Math.min(chunkBytes, length) / 4) * 4 + 4);
  let pendingBytes = 0;
  let pendingAt = 0;
  for (let at = 0; at < length; at += chunkBytes) {
    const n = Math.min(chunkBytes, length - at);
    const bytes = checkRange(await readRange(start + at, n), start + at, n);
    check();
    pending.set(bytes, pendingBytes);
    pendingBytes += n;
    const last = at + n === length;
    const writable = last ? Math.ceil(pendingBytes / 4) * 4 : pendingBytes - (pendingBytes % 4);
    if (last) pending.fill(0, pendingBytes, writable);
    if (writable > 0) queue.writeBuffer(buffer, pendingAt, pending.buffer, pending.byteOffset, writable);
    pending.copyWithin(0, writable, pendingBytes);
    pendingAt += writable;
    pendingBytes = Math.max(0, pendingBytes - writable);
    afterRange(start + at + n);
  }
}
