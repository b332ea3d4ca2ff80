// sampleFromCandidates against the whole-row path on random rows, ties included: the same token and
// the same number of random draws, or null before any draw. The candidates come from a naive sort here.
import { GenerationConfig } from '@cria/config';
import { describe, expect, it } from 'vitest';
import { probabilities } from './logits-processors.js';
import { buildProcessorList } from './processor-list.js';
import { Mulberry32, sampleIndex } from './prng.js';
import { sampleFromCandidates } from './topk-candidates.js';

/** The k best entries of a row, best first, lower index first on ties (a full sort, independent of any backend). */
function naiveTopk(row: Float32Array, k: number): { values: Float32Array; indices: Int32Array } {
  const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);
  return { values: Float32Array.from(order, (i) => row[i]!), indices: Int32Array.from(order) };
}

const ROW = { ids: [1, 2, 3], newTokens: 0 };

describe('sampleFromCandidates', () => {
  const settings = [
    { top_k: 1 },
    { top_k: 5 },
    { top_k: 8, temperature: 0.7 },
    { top_k: 12, temperature: 3, top_p: 0.8 },
    { top_k: 6, top_p: 0.5, min_p: 0.05 },
    { top_k: 20, temperature: 1.3, min_p: 0.2 },
  ];
  for (const setting of settings) {
    it(`draws what the whole row draws (${JSON.stringify(setting)})`, () => {
      const list = buildProcessorList(new GenerationConfig({ do_sample: true, top_p: 1, ...setting }));
      const data = new Mulberry32(11);
      let decided = 0;
      let undecided = 0;
      for (let trial = 0; trial < 300; trial++) {
        const vocab = 40 + (trial % 7);
        // Coarse rows tie often (at the k-th candidate too); fine rows almost never.
        const step = trial % 3 === 0 ? 0.5 : trial % 3 === 1 ? 1e-3 : 0;
        const row = Float32Array.from({ length: vocab }, () => {
          const x = (data.next() - 0.5) * 8;
          return step ? Math.round(x / step) * step : x;
        });
        const whole = Float32Array.from(row);
        const rngWhole = new Mulberry32(trial);
        for (const warp of list.warpers) warp(whole, ROW);
        const expected = sampleIndex(probabilities(whole), () => rngWhole.next());

        const { values, indices } = naiveTopk(row, list.topK! + 1);
        const rngCandidates = new Mulberry32(trial);
        const token = sampleFromCandidates(values, indices, list, ROW, () => rngCandidates.next());
        if (token === null) {
          undecided++;
          expect(rngCandidates.next()).toBe(new Mulberry32(trial).next()); // nothing was drawn
          // A null is only allowed when the k-th and (k+1)-th candidates tie after temperature.
          const t = setting.temperature ?? 1;
          expect(Math.fround(values[list.topK!]! / t) === Math.fround(values[list.topK! - 1]! / t)).toBe(true); // -0 === 0 too
        } else {
          decided++;
          expect(token).toBe(expected);
          expect(rngCandidates.next()).toBe(rngWhole.next()); // one draw each
        }
      }
      expect(decided).toBeGreaterThan(150);
      expect(undecided).toBeGreaterThan(0);
    });
  }

  it('gives up (null, no draw) when the best score is not finite', () => {
    const list = buildProcessorList(new GenerationConfig({ do_sample: true, top_k: 2 }));
    const rng = new Mulberry32(1);
    expect(sampleFromCandidates(Float32Array.of(Infinity, 1, 0), Int32Array.of(4, 0, 2), list, ROW, () => rng.next())).toBeNull();
    expect(rng.next()).toBe(new Mulberry32(1).next());
  });

  it('names the count it expected when given the wrong number of candidates', () => {
    const list = buildProcessorList(new GenerationConfig({ do_sample: true, top_k: 3 }));
    expect(() => sampleFromCandidates(Float32Array.of(1, 0), Int32Array.of(0, 1), list, ROW, Math.random)).toThrow(/top_k \+ 1 = 4 candidates, got 2 values/);
  });
});
