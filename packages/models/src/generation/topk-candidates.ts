// Sampling from a row's top-k candidates exactly as sampling from the whole row would (same token,
// same random draw), so the decode loop reads back k+1 values and ids per row instead of the vocabulary.
import { CriaError } from '@cria/core';
import { type RowState, probabilities } from './logits-processors.js';
import type { ProcessorList } from './processor-list.js';
import { sampleIndex } from './prng.js';

/**
 * `values` and `indices`: the k+1 best entries of one row of raw logits, best first (the order of
 * `Backend.topk`), where k is `list.topK`. Returns the sampled vocabulary id, or null, before drawing
 * from `random`, when the candidates cannot decide: the (k+1)-th ties with the k-th after the warpers
 * before top-k (top-k then keeps more than k entries), or the best score is not finite. The caller then
 * samples from the whole row.
 *
 * Why the result equals the whole-row path: the warpers before top-k (temperature) keep the order, so
 * with no tie the whole row's top-k keeps exactly these k entries and sets the rest to -inf. Every
 * later step (softmax, top_p, min_p, the draw) sums and walks the entries in vocabulary order, where
 * the -inf entries add exact zeros; the candidates are put in vocabulary order for the same sums.
 */
export function sampleFromCandidates(
  values: Float32Array,
  indices: Int32Array,
  list: ProcessorList,
  row: RowState,
  random: () => number,
): number | null {
  const count = values.length;
  if (list.topK === null || count !== list.topK + 1 || indices.length !== count) {
    throw new CriaError(`sampleFromCandidates: expected top_k + 1 = ${(list.topK ?? 0) + 1} candidates, got ${count} values and ${indices.length} indices`);
  }
  const byId = Array.from({ length: count }, (_, j) => j).sort((a, b) => indices[a]! - indices[b]!);
  const scores = Float32Array.from(byId, (j) => values[j]!);
  const ids = Int32Array.from(byId, (j) => indices[j]!);
  const before = list.warpers.slice(0, list.topKAt);
  const after = list.warpers.slice(list.topKAt);
  for (const warp of before) warp(scores, row);
  const best = scores[byId.indexOf(0)]!;
  const kth = scores[byId.indexOf(count - 2)]!;
  const next = scores[byId.indexOf(count - 1)]!;
  if (!Number.isFinite(best) || !(next < kth)) return null;
  for (const warp of after) warp(scores, row);
  const picked = sampleIndex(probabilities(scores), random);
  return ids[picked]!;
}
