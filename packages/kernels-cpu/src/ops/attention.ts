import type { AttentionShape } from '@cria/core';
import { dot } from './dot.js';

/**
 * The softmax probabilities of one query over the first kvLength cache slots, written into `probs`
 * (length kvLength, float64). Query s of row b sits at cache slot kvLength-S+s and sees the slots
 * j <= that slot whose mask[b, j] is not 0; query head h reads kv head floor(h / (numHeads / numKvHeads)).
 * A query with no visible key gets all zeros. Scores and the softmax are computed in float64.
 */
export function queryProbabilities(
  q: Float32Array,
  kCache: Float32Array,
  mask: ArrayLike<number> | undefined,
  shape: AttentionShape,
  b: number,
  h: number,
  s: number,
  probs: Float64Array,
): void {
  const { seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength, scale } = shape;
  const kvHead = Math.floor(h / (numHeads / numKvHeads));
  const kBase = (b * numKvHeads + kvHead) * maxLength * headDim;
  const qBase = ((b * seqLength + s) * numHeads + h) * headDim;
  const lastVisible = kvLength - seqLength + s;
  let max = -Infinity;
  for (let j = 0; j < kvLength; j++) {
    const visible = j <= lastVisible && (mask === undefined || mask[b * kvLength + j] !== 0);
    if (!visible) {
      probs[j] = -Infinity;
      continue;
    }
    probs[j] = dot(q, qBase, kCache, kBase + j * headDim, headDim) * scale;
    if (probs[j]! > max) max = probs[j]!;
  }
  if (max === -Infinity) {
    probs.fill(0);
    return;
  }
  let sum = 0;
  for (let j = 0; j < kvLength; j++) {
    probs[j] = probs[j] === -Infinity ? 0 : Math.exp(probs[j]! - max);
    sum += probs[j]!;
  }
  for (let j = 0; j < kvLength; j++) probs[j] = probs[j]! / sum;
}

/** The probabilities of every query: float32 [B, numHeads, S, kvLength] (masked slots 0). */
export function attentionWeightsKernel(q: Float32Array, kCache: Float32Array, mask: ArrayLike<number> | undefined, shape: AttentionShape): Float32Array {
  const { batch, seqLength, numHeads, kvLength } = shape;
  const out = new Float32Array(batch * numHeads * seqLength * kvLength);
  const probs = new Float64Array(kvLength);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < numHeads; h++) {
      for (let s = 0; s < seqLength; s++) {
        queryProbabilities(q, kCache, mask, shape, b, h, s, probs);
        out.set(probs, ((b * numHeads + h) * seqLength + s) * kvLength);
      }
    }
  }
  return out;
}

/** Attention output [B, S, numHeads * headDim]: each query's probabilities applied to vCache, accumulated in float64. */
export function attentionKernel(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  mask: ArrayLike<number> | undefined,
  shape: AttentionShape,
): Float32Array {
  const { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength } = shape;
  const groupSize = numHeads / numKvHeads;
  const out = new Float32Array(batch * seqLength * numHeads * headDim);
  const probs = new Float64Array(kvLength);
  const acc = new Float64Array(headDim);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < numHeads; h++) {
      const vBase = (b * numKvHeads + Math.floor(h / groupSize)) * maxLength * headDim;
      for (let s = 0; s < seqLength; s++) {
        queryProbabilities(q, kCache, mask, shape, b, h, s, probs);
        acc.fill(0);
        for (let j = 0; j < kvLength; j++) {
          const p = probs[j]!;
          if (p === 0) continue;
          const slot = vBase + j * headDim;
          for (let d = 0; d < headDim; d++) acc[d] = acc[d]! + p * vCache[slot + d]!;
        }
        out.set(acc, ((b * seqLength + s) * numHeads + h) * headDim);
      }
    }
  }
  return out;
}
