import { describe, expect, it } from 'vitest';
import { SeededRandom, seedOf, seededRandom } from './testing.js';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(first);
  });

  it('seededRandom gives the same numbers as SeededRandom.next', () => {
    const fn = seededRandom(7);
    const object = new SeededRandom(7);
    for (let i = 0; i < 50; i++) expect(fn()).toBe(object.next());
  });

  it('stays in its ranges and looks uniform', () => {
    const random = new SeededRandom(1);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 10_000 - 0.5)).toBeLessThan(0.02);
    for (let i = 0; i < 1000; i++) {
      const n = random.int(-3, 5);
      expect(Number.isInteger(n) && n >= -3 && n < 5).toBe(true);
      const s = random.symmetric(2);
      expect(s >= -2 && s < 2).toBe(true);
    }
    const floats = random.floats(1000, 0.5);
    expect(floats).toHaveLength(1000);
    expect(floats.every((x) => x >= -0.5 && x <= 0.5)).toBe(true);
  });

  it('next is uint32 / 2^32', () => {
    const a = new SeededRandom(3);
    const b = new SeededRandom(3);
    for (let i = 0; i < 50; i++) {
      const bits = a.uint32();
      expect(Number.isInteger(bits) && bits >= 0 && bits < 2 ** 32).toBe(true);
      expect(b.next()).toBe(bits / 2 ** 32);
    }
  });

  it('permutation holds every index once', () => {
    const order = new SeededRandom(9).permutation(50);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('seedOf', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(seedOf('')).toBe(0x811c9dc5);
    expect(seedOf('a')).toBe(0xe40c292c);
    expect(seedOf('foobar')).toBe(0xbf9cf968);
  });
});
