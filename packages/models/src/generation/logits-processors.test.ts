// Each processor against hand-worked rows (expected values computed by hand, not by the processor).
import { describe, expect, it } from 'vitest';
import { argmax, minP, noRepeatNgram, repetitionPenalty, suppressEosUntil, temperature, topK, topP } from './logits-processors.js';
import { Mulberry32, sampleIndex } from './prng.js';

const row = (ids: number[], newTokens = 0) => ({ ids, newTokens });
const NEG = -Infinity;

describe('logits processors', () => {
  it('repetition penalty divides positive and multiplies negative scores of seen tokens, once each', () => {
    const s = Float32Array.of(2, -2, 3, 4);
    repetitionPenalty(2)(s, row([0, 1, 1]));
    expect(Array.from(s)).toEqual([1, -4, 3, 4]);
  });

  it('no_repeat_ngram bans the token that would repeat a seen n-gram', () => {
    const s = Float32Array.of(0, 0, 0, 0);
    noRepeatNgram(2)(s, row([1, 2, 3, 1]));
    expect(Array.from(s)).toEqual([0, 0, NEG, 0]); // "1 2" was seen: 2 may not follow 1
  });

  it('min_new_tokens and min_length hold eos back', () => {
    const s = Float32Array.of(1, 1, 1);
    suppressEosUntil([2], 2, 0)(s, row([0], 1));
    expect(s[2]).toBe(NEG);
    const t = Float32Array.of(1, 1, 1);
    suppressEosUntil([2], 2, 0)(t, row([0], 2));
    expect(t[2]).toBe(1);
    const u = Float32Array.of(1, 1, 1);
    suppressEosUntil([2], 0, 5)(u, row([0, 0, 0, 0]));
    expect(u[2]).toBe(NEG);
  });

  it('temperature divides', () => {
    const s = Float32Array.of(1, -3);
    temperature(0.5)(s, row([]));
    expect(Array.from(s)).toEqual([2, -6]);
  });

  it('top_k keeps the k best and ties with the k-th', () => {
    const s = Float32Array.of(1, 5, 3, 3, 0);
    topK(2)(s, row([]));
    expect(Array.from(s)).toEqual([NEG, 5, 3, 3, NEG]);
  });

  it('top_p keeps the smallest set whose mass reaches p', () => {
    // probabilities 0.5, 0.25, 0.125, 0.125 (log-probabilities as scores)
    const s = Float32Array.from([0.5, 0.25, 0.125, 0.125].map(Math.log));
    topP(0.7)(s, row([]));
    expect(Array.from(s).map((x) => x === NEG)).toEqual([false, false, true, true]);
    const t = Float32Array.from([0.5, 0.25, 0.125, 0.125].map(Math.log));
    topP(0.1)(t, row([]));
    expect(Array.from(t).map((x) => x === NEG)).toEqual([false, true, true, true]); // the best always stays
  });

  it('min_p removes tokens below min_p times the top probability', () => {
    const s = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
    minP(0.2)(s, row([])); // threshold 0.1
    expect(Array.from(s).map((x) => x === NEG)).toEqual([false, false, false, true]);
  });

  it('argmax ranks NaN above every number (the first NaN), as torch.argmax and Backend.argmax', () => {
    expect(argmax(Float32Array.of(1, NaN, 3, NaN))).toBe(1);
    expect(argmax(Float32Array.of(NaN, 5))).toBe(0);
  });

  it('argmax takes the first of equal maxima', () => {
    expect(argmax(Float32Array.of(1, 3, 3, 2))).toBe(1);
  });
});

describe('seeded PRNG and sampling', () => {
  it('mulberry32 is deterministic per seed and uniform-looking', () => {
    const a = new Mulberry32(42);
    const b = new Mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('sampleIndex never draws a zero weight and follows the weights', () => {
    const rng = new Mulberry32(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[sampleIndex(Float64Array.of(0.75, 0, 0.25), () => rng.next())]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 4000).toBeGreaterThan(0.7);
    expect(counts[0]! / 4000).toBeLessThan(0.8);
  });
});
