import { describe, expect, it } from 'vitest';
import { dot } from './dot.js';

describe('dot', () => {
  it('sums every product for lengths around the unrolling (1² + … + n² = n(n+1)(2n+1)/6)', () => {
    for (let n = 0; n <= 11; n++) {
      const a = Float32Array.from({ length: n + 3 }, (_, i) => i - 1); // offset 2 starts at 1
      expect(dot(a, 2, a, 2, n), `n=${n}`).toBe((n * (n + 1) * (2 * n + 1)) / 6);
    }
  });
  it('reads from the offsets given', () => {
    expect(dot(Float32Array.from([9, 1, 2]), 1, Float32Array.from([3, 4, 7, 7]), 0, 2)).toBe(11);
  });
});
