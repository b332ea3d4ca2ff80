// Fills a host array range by range (the CPU backend's device memory is host memory).
import { ArgumentError, type DType, type TypedArray, type UploadByRangesOptions, allocTypedArray, isDType, shapeSize } from '@cria/core';

const DEFAULT_CHUNK_BYTES = 8 << 20;

/**
 * Allocates the tensor's array once and copies each range into it as it arrives, so nothing but the
 * destination and one chunk is held. Ranges are asked for in order, at most `chunkBytes` each.
 */
export async function fillByRanges(
  shape: readonly number[],
  dtype: DType,
  readRange: (offset: number, length: number) => Promise<Uint8Array>,
  options: UploadByRangesOptions = {},
): Promise<TypedArray> {
  if (!isDType(dtype)) throw new ArgumentError(`uploadByRanges: dtype '${String(dtype)}' is not a cria dtype`);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new ArgumentError(`uploadByRanges: options.chunkBytes must be a positive integer, got ${String(chunkBytes)}`);
  }
  const data = allocTypedArray(dtype, shapeSize(shape));
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
    const length = Math.min(chunkBytes, bytes.byteLength - offset);
    const chunk = await readRange(offset, length);
    if (!(chunk instanceof Uint8Array) || chunk.byteLength !== length) {
      throw new ArgumentError(
        `uploadByRanges: readRange(${offset}, ${length}) returned ${chunk instanceof Uint8Array ? `${chunk.byteLength} bytes` : 'no Uint8Array'}; expected ${length} bytes`,
      );
    }
    bytes.set(chunk, offset);
    options.onProgress?.(offset + length, bytes.byteLength);
  }
  return data;
}
