import { seededRandom } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { BpeMerger } from './bpe-merge.js';
import { PairTable } from './pair-table.js';

/** Textbook BPE: repeatedly merge the lowest-ranked adjacent pair, leftmost first. O(n^2). */
function naiveBpe(symbols: number[], merges: Map<string, [number, number]>): number[] {
  const s = [...symbols];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < s.length; i++) {
      const m = merges.get(`${s[i]},${s[i + 1]}`);
      if (m && m[0] < bestRank) {
        bestRank = m[0];
        best = i;
      }
    }
    if (best < 0) return s;
    s.splice(best, 2, merges.get(`${s[best]},${s[best + 1]}`)![1]);
  }
}

describe('BpeMerger', () => {
  it('agrees with a naive quadratic BPE on random merge tables and words', () => {
    const rand = seededRandom(1234);
    for (let trial = 0; trial < 200; trial++) {
      const alphabet = 2 + Math.floor(rand() * 4);
      const merges = new Map<string, [number, number]>();
      const table = new PairTable(8);
      let nextId = alphabet;
      const ids = Array.from({ length: alphabet }, (_, i) => i);
      const count = Math.floor(rand() * 12);
      for (let r = 0; r < count; r++) {
        const a = ids[Math.floor(rand() * ids.length)]!;
        const b = ids[Math.floor(rand() * ids.length)]!;
        if (merges.has(`${a},${b}`)) continue;
        merges.set(`${a},${b}`, [r, nextId]);
        table.set(a, b, r, nextId);
        ids.push(nextId++);
      }
      const merger = new BpeMerger(table);
      for (let w = 0; w < 10; w++) {
        const word = Array.from({ length: Math.floor(rand() * 30) }, () => Math.floor(rand() * alphabet));
        expect(merger.merge(word, word.length)).toEqual(naiveBpe(word, merges));
      }
    }
  });
  it('merges a run of 200000 equal symbols in near-linear time', () => {
    const table = new PairTable(8);
    table.set(0, 0, 0, 1);
    table.set(1, 1, 1, 2);
    table.set(2, 2, 2, 3);
    const merger = new BpeMerger(table);
    const t0 = performance.now();
    const out = merger.merge(new Int32Array(200_000), 200_000);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(out.length).toBe(25_000);
    expect(out.every((id) => id === 3)).toBe(true);
  });
});
