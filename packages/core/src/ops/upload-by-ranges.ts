// The one loop behind every backend's uploadByRanges: ranges asked for in order, each checked, handed to the backend's
// writer, progress reported after each.
import type { UploadByRangesOptions } from '../backend.js';
import { type DType, dtypeByteLength, isDType, shapeSize } from '../dtype.js';
import { ArgumentError } from '../errors.js';

/** The most bytes one readRange asks for when options.chunkBytes is left out. */
export const DEFAULT_RANGE_BYTES = 8 << 20;

export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/** Checks uploadByRanges' shape, dtype and options; returns the element count, the byte length and the range size. */
export function checkRangeUpload(shape: readonly number[], dtype: DType, options: UploadByRangesOptions = {}): { size: number; byteLength: number; chunkBytes: number } {
  if (!isDType(dtype)) throw new ArgumentError(`uploadByRanges: dtype '${String(dtype)}' is not a cria dtype`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ArgumentError(`uploadByRanges: shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)} must hold non-negative integers`);
  }
  const chunkBytes = options.chunkBytes ?? DEFAULT_RANGE_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new ArgumentError(`uploadByRanges: options.chunkBytes must be a positive integer, got ${String(chunkBytes)}`);
  }
  const size = shapeSize(shape);
  return { size, byteLength: dtypeByteLength(dtype, shape, 'uploadByRanges: tensor'), chunkBytes };
}

export interface RangeLoop {
  /** Range size (checkRangeUpload's). */
  chunkBytes: number;
  /** The tensor's byte length (for onProgress). */
  byteLength: number;
  /** Tensor bytes [start, end) are read (default: all of them). */
  start?: number;
  end?: number;
  onProgress?: UploadByRangesOptions['onProgress'];
}

/**
 * Reads tensor bytes [start, end) in order, at most `chunkBytes` per read; each read must return exactly the bytes asked
 * for (an ArgumentError otherwise). `take(bytes, offset)` writes them where they belong before the next read (the
 * caller may reuse the buffer), then `onProgress(end of the range, byteLength)` is called. Errors propagate.
 */
export async function readByRanges(readRange: ReadRange, loop: RangeLoop, take: (bytes: Uint8Array, offset: number) => void): Promise<void> {
  const { chunkBytes, byteLength, start = 0, end = byteLength, onProgress } = loop;
  for (let offset = start; offset < end; offset += chunkBytes) {
    const length = Math.min(chunkBytes, end - offset);
    const bytes: unknown = await readRange(offset, length);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
      throw new ArgumentError(
        `uploadByRanges: readRange(${offset}, ${length}) returned ${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : 'no Uint8Array'}; expected ${length} bytes`,
      );
    }
    take(bytes, offset);
    onProgress?.(offset + length, byteLength);
  }
}
