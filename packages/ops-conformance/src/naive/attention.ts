// Naive grouped-query attention as transformers writes it: repeat the kv heads, build the full
// [S, kvLength] mask (causal from the query's cache slot, then the padding mask), softmax, weight v.

import type { AttentionShape } from '@cria/core';

/** The shapes of one attention call (core's AttentionShape): q [batch, seqLength, numHeads * headDim], caches [batch, numKvHeads, maxLength, headDim]. */
export type NaiveAttentionLayout = AttentionShape;

export interface NaiveAttentionArgs extends NaiveAttentionLayout {
  q: ArrayLike<number>;
  k: ArrayLike<number>;
  v?: ArrayLike<number>;
  /** [batch, kvLength]; 0 masks a slot. */
  mask?: ArrayLike<number>;
}

/** probs [B, H, S, kvLength] and, when v is given, out [B, S, H * headDim]. */
export function naiveAttention(a: NaiveAttentionArgs): { probs: number[][][][]; out?: Float32Array } {
  const cacheAt = (cache: ArrayLike<number>, b: number, kvHead: number, slot: number, d: number): number =>
    cache[((b * a.numKvHeads + kvHead) * a.maxLength + slot) * a.headDim + d]!;
  const probs: number[][][][] = [];
  const out = a.v ? new Float32Array(a.batch * a.seqLength * a.numHeads * a.headDim) : undefined;
  for (let b = 0; b < a.batch; b++) {
    probs.push([]);
    for (let h = 0; h < a.numHeads; h++) {
      const kvHead = Math.floor((h * a.numKvHeads) / a.numHeads); // repeat_kv: each kv head serves numHeads / numKvHeads consecutive heads
      const headProbs: number[][] = [];
      for (let s = 0; s < a.seqLength; s++) {
        const querySlot = a.kvLength - a.seqLength + s;
        const scores: number[] = [];
        for (let j = 0; j < a.kvLength; j++) {
          const allowed = j <= querySlot && (a.mask ? a.mask[b * a.kvLength + j] !== 0 : true);
          if (!allowed) {
            scores.push(-Infinity);
            continue;
          }
          let dot = 0;
          for (let d = 0; d < a.headDim; d++) dot += a.q[((b * a.seqLength + s) * a.numHeads + h) * a.headDim + d]! * cacheAt(a.k, b, kvHead, j, d);
          scores.push(dot * a.scale);
        }
        const max = scores.reduce((m, v) => Math.max(m, v), -Infinity);
        const exps = scores.map((x) => (max === -Infinity ? 0 : Math.exp(x - max)));
        const total = exps.reduce((sum, e) => sum + e, 0);
        const p = exps.map((e) => (total === 0 ? 0 : e / total));
        headProbs.push(p);
        if (out && a.v) {
          for (let d = 0; d < a.headDim; d++) {
            let sum = 0;
            for (let j = 0; j < a.kvLength; j++) sum += p[j]! * cacheAt(a.v, b, kvHead, j, d);
            out[((b * a.seqLength + s) * a.numHeads + h) * a.headDim + d] = sum;
          }
        }
      }
      probs[b]!.push(headProbs);
    }
  }
  return out ? { probs, out } : { probs };
}
