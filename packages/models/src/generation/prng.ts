// A small deterministic PRNG for seeded sampling: mulberry32 (32-bit state, period 2^32).

export class Mulberry32 {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Draws an index from unnormalised non-negative weights (zeros are never drawn). */
export function sampleIndex(weights: Float64Array | Float32Array, random: () => number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  let threshold = random() * total;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    last = i;
    threshold -= w;
    if (threshold < 0) return i;
  }
  return last; // rounding left a sliver: the last candidate
}
