// What the decode loop reads back each step to pick the next tokens.
import type { Backend } from '@cria/core';
import type { ProcessorList } from './processor-list.js';

/**
 * - argmax: greedy with no processor: the backend's argmax, B int32 ids read back.
 * - topk: sampling with top_k (and any of temperature, top_p, min_p) and no processor: the backend's
 *   top k+1 values and ids per row; the warpers run on the host on those.
 * - full: the whole last-position row of logits per row (processors that look at every entry,
 *   sampling without top_k, a backend without the op, or when asked for).
 */
export type ReadbackPlan = { kind: 'argmax' } | { kind: 'topk'; k: number } | { kind: 'full' };

export function planReadback(backend: Backend, doSample: boolean, list: ProcessorList, vocabSize: number, readFullLogits: boolean): ReadbackPlan {
  if (readFullLogits || list.processors.length > 0) return { kind: 'full' };
  if (!doSample) return backend.supports('argmax', ['float32']) ? { kind: 'argmax' } : { kind: 'full' };
  // k + 1 candidates are read (the extra one tells whether the k-th ties): only when k < V.
  if (list.topK !== null && list.topK < vocabSize && backend.supports('topk', ['float32'])) return { kind: 'topk', k: list.topK };
  return { kind: 'full' };
}
