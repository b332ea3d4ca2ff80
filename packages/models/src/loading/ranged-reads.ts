// Reading one tensor by byte ranges for Backend.uploadByRanges, converting its dtype chunk by chunk.
import { ArgumentError, DTYPE_BYTES, type QuantDType, dtypeByteLength, isQuantDType, quantBlock, quantize, typedArrayView } from '@cria/core';
import { type FloatDType, convertFloats } from './float-conversion.js';

/** Fills `target` with the `target.byteLength` bytes at `offset` of one tensor's stored data. */
export type StoredRangeReader = (offset: number, target: Uint8Array) => Promise<void>;

/** A host buffer reused by every read of a load, grown on demand to the largest range asked for. */
export class StagingBuffer {
  #buffer = new Uint8Array(0);

  /** The first `bytes` bytes of the buffer (their contents are whatever the last read left). */
  take(bytes: number): Uint8Array {
    if (this.#buffer.byteLength < bytes) this.#buffer = new Uint8Array(bytes);
    return this.#buffer.subarray(0, bytes);
  }

  get byteLength(): number {
    return this.#buffer.byteLength;
  }
}

/**
 * The largest upload chunk (in bytes of the `target` dtype) whose stored bytes and converted bytes both
 * fit in `chunkBytes`: a whole number of elements, at least one.
 */
export function uploadChunkBytes(chunkBytes: number, stored: FloatDType | QuantDType, target: FloatDType | QuantDType): number {
  if (isQuantDType(stored) || isQuantDType(target)) {
    if (stored !== target) throw new ArgumentError(`uploadChunkBytes: ${stored} -> ${target}: a block format is read as stored (quantizedChunkBytes sizes quantizing reads)`);
    // Whole blocks per chunk.
    const { blockBytes } = quantBlock(target as QuantDType);
    return Math.max(1, Math.floor(chunkBytes / blockBytes)) * blockBytes;
  }
  const widest = Math.max(DTYPE_BYTES[stored], DTYPE_BYTES[target]);
  return Math.max(1, Math.floor(chunkBytes / widest)) * DTYPE_BYTES[target];
}

/**
 * A `readRange(offset, length)` for uploadByRanges: `offset` and `length` are in bytes of the `target` dtype.
 * It reads the stored elements that cover the range into `staging`, converts them (elementwise, exactly as a
 * whole-tensor conversion would) and returns the asked bytes. A range may cut elements: the cut elements
 * are read and converted whole and sliced. The returned bytes are valid until the next call.
 */
export function convertingRangeReader(
  readStored: StoredRangeReader,
  stored: FloatDType | QuantDType,
  target: FloatDType | QuantDType,
  staging: StagingBuffer,
): (offset: number, length: number) => Promise<Uint8Array> {
  if (stored === target) {
    return async (offset, length) => {
      const bytes = staging.take(length);
      await readStored(offset, bytes);
      return bytes;
    };
  }
  if (isQuantDType(stored) || isQuantDType(target)) {
    throw new ArgumentError(`convertingRangeReader: ${stored} -> ${target}: a block format is read as stored (quantizingRangeReader quantizes floats)`);
  }
  const storedBytes = DTYPE_BYTES[stored];
  const targetBytes = DTYPE_BYTES[target];
  return async (offset, length) => {
    const first = Math.floor(offset / targetBytes);
    const count = Math.ceil((offset + length) / targetBytes) - first;
    const raw = staging.take(count * storedBytes);
    await readStored(first * storedBytes, raw);
    // The staging buffer starts its ArrayBuffer, so the view is aligned for 2- and 4-byte elements.
    const converted = convertFloats(typedArrayView(stored, raw.buffer, raw.byteOffset, count), stored, target);
    const skip = offset - first * targetBytes;
    return new Uint8Array(converted.buffer, converted.byteOffset + skip, length);
  };
}

/**
 * Upload chunks for a float matrix quantized at load: whole rows of the block format (at least one), each row's stored
 * and float32 forms within `chunkBytes`.
 */
export function quantizedChunkBytes(chunkBytes: number, stored: FloatDType, target: QuantDType, cols: number): number {
  const widest = cols * Math.max(DTYPE_BYTES[stored], 4);
  return Math.max(1, Math.floor(chunkBytes / widest)) * dtypeByteLength(target, [cols]);
}

/**
 * A `readRange(offset, length)` for uploadByRanges of a float matrix (rows of `cols` values stored as `stored`) quantized
 * to `target` at load: it reads the stored rows that cover the asked bytes of blocks, widens them to float32 and
 * quantizes them (llama.cpp's reference quantizers, exactly as a whole-matrix quantize would), and returns the bytes.
 */
export function quantizingRangeReader(
  readStored: StoredRangeReader,
  stored: FloatDType,
  target: QuantDType,
  cols: number,
  staging: StagingBuffer,
): (offset: number, length: number) => Promise<Uint8Array> {
  const storedRow = cols * DTYPE_BYTES[stored];
  const targetRow = dtypeByteLength(target, [cols]);
  return async (offset, length) => {
    const first = Math.floor(offset / targetRow);
    const rows = Math.ceil((offset + length) / targetRow) - first;
    const raw = staging.take(rows * storedRow);
    await readStored(first * storedRow, raw);
    const values = convertFloats(typedArrayView(stored, raw.buffer, raw.byteOffset, rows * cols), stored, 'float32') as Float32Array;
    const blocks = quantize(target, values, rows, cols);
    const skip = offset - first * targetRow;
    return blocks.subarray(skip, skip + length);
  };
}
