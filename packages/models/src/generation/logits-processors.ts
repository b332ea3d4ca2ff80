// transformers' logits processors and warpers, each a function on one row of scores (float32 [V]) in place.
// Greedy decoding and sampling share them: greedy applies the processors, sampling also the warpers.

/** What a processor sees of one row. */
export interface RowState {
  /** The whole row so far (prompt and generated tokens, pads included as transformers does). */
  ids: readonly number[];
  /** Tokens generated so far. */
  newTokens: number;
}

export type LogitsProcessor = (scores: Float32Array, row: RowState) => void;

/** RepetitionPenaltyLogitsProcessor: scores of tokens already present are divided (positive) or multiplied (negative) by `penalty`. */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  return (scores, row) => {
    for (const id of new Set(row.ids)) {
      const s = scores[id]!;
      scores[id] = s < 0 ? s * penalty : s / penalty;
    }
  };
}

/** NoRepeatNGramLogitsProcessor: bans tokens that would repeat an n-gram already in the row. */
export function noRepeatNgram(n: number): LogitsProcessor {
  return (scores, row) => {
    const ids = row.ids;
    if (ids.length + 1 < n) return;
    const prefix = ids.slice(ids.length - n + 1).join(',');
    for (let i = 0; i + n <= ids.length; i++) {
      if (ids.slice(i, i + n - 1).join(',') === prefix) scores[ids[i + n - 1]!] = -Infinity;
    }
  };
}

/** MinNewTokensLengthLogitsProcessor / MinLengthLogitsProcessor: no EOS before the minimum. */
export function suppressEosUntil(eos: readonly number[], minNewTokens: number, minLength: number): LogitsProcessor {
  return (scores, row) => {
    if (row.newTokens < minNewTokens || row.ids.length < minLength) for (const id of eos) if (id < scores.length) scores[id] = -Infinity;
  };
}

/** TemperatureLogitsWarper. */
export function temperature(t: number): LogitsProcessor {
  return (scores) => {
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / t;
  };
}

/** TopKLogitsWarper: scores below the k-th largest become -inf (ties with it are kept). */
export function topK(k: number): LogitsProcessor {
  return (scores) => {
    if (k >= scores.length) return;
    const kth = Float32Array.from(scores).sort()[scores.length - k]!;
    for (let i = 0; i < scores.length; i++) if (scores[i]! < kth) scores[i] = -Infinity;
  };
}

function softmax(scores: Float32Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += out[i] = Math.exp(scores[i]! - max);
  for (let i = 0; i < scores.length; i++) out[i]! /= sum;
  return out;
}

/**
 * TopPLogitsWarper: sorted ascending, tokens whose cumulative probability stays <= 1 - p are removed
 * (the most likely token always stays).
 */
export function topP(p: number): LogitsProcessor {
  return (scores) => {
    if (p >= 1) return;
    const probs = softmax(scores);
    const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || b - a);
    let cumulative = 0;
    for (let i = 0; i < order.length - 1; i++) {
      cumulative += probs[order[i]!]!;
      if (cumulative <= 1 - p) scores[order[i]!] = -Infinity;
      else break;
    }
  };
}

/** MinPLogitsWarper: tokens with probability below min_p times the top probability are removed. */
export function minP(minProbability: number): LogitsProcessor {
  return (scores) => {
    const probs = softmax(scores);
    let top = 0;
    for (const x of probs) top = Math.max(top, x);
    const threshold = minProbability * top;
    for (let i = 0; i < scores.length; i++) if (probs[i]! < threshold) scores[i] = -Infinity;
  };
}

/** Softmax probabilities of a processed row (for sampling). */
export function probabilities(scores: Float32Array): Float64Array {
  return softmax(scores);
}

/** Index of the largest score (the first on ties; NaN above every number), as torch.argmax and `Backend.argmax`. */
export function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    if (Number.isNaN(scores[best]!)) break;
    if (Number.isNaN(scores[i]!) || scores[i]! > scores[best]!) best = i;
  }
  return best;
}
