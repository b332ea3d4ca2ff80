import type { KvWriteShape } from '@cria/core';

/** Writes src [B, S, numKvHeads * headDim] into cache [B, numKvHeads, maxLength, headDim] at slots offset .. offset+S-1 (in place). */
export function kvWriteKernel(cache: Float32Array, src: Float32Array, shape: KvWriteShape): void {
  const { batch, seqLength, numKvHeads, maxLength, headDim, offset } = shape;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seqLength; s++) {
      for (let h = 0; h < numKvHeads; h++) {
        const from = ((b * seqLength + s) * numKvHeads + h) * headDim;
        const to = ((b * numKvHeads + h) * maxLength + offset + s) * headDim;
        cache.set(src.subarray(from, from + headDim), to);
      }
    }
  }
}
