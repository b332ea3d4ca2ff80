export interface KvCacheShape {
  batch: number;
  numKvHeads: number;
  maxLength: number;
  headDim: number;
}

/** Writes src [B, S, numKvHeads * headDim] into cache [B, numKvHeads, maxLength, headDim] at slots offset .. offset+S-1 (in place). */
export function kvWriteKernel(cache: Float32Array, shape: KvCacheShape, src: Float32Array, seqLength: number, offset: number): void {
  const { batch, numKvHeads, maxLength, headDim } = shape;
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
