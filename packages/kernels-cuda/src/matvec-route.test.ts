import { describe, expect, it } from 'vitest';
import { LINEAR_MANY_MAX_TOTAL_M, LINEAR_MANY_MAX_WEIGHTS, MATVEC_MAX_ROWS, linearManyTakes, matvecTakes } from './matvec-route.js';

describe('matvecTakes (linear.cu matvecTakes)', () => {
  const aligned = [0x7f0000000000n, 0x7f0000000100n];
  it('takes up to 8 rows with K a whole number of 16-byte weight loads', () => {
    expect(MATVEC_MAX_ROWS).toBe(8);
    for (const rows of [0, 1, 5, 8]) expect(matvecTakes(rows, 4096, 'bfloat16', aligned)).toBe(true);
    expect(matvecTakes(9, 4096, 'bfloat16', aligned)).toBe(false);
    expect(matvecTakes(1, 4099, 'float16', aligned)).toBe(false);
    expect(matvecTakes(1, 36, 'float16', aligned)).toBe(false); // 8 float16 per load
    expect(matvecTakes(1, 36, 'float32', aligned)).toBe(true); // 4 float32 per load
    expect(matvecTakes(1, 34, 'float32', aligned)).toBe(false);
  });

  it('needs every pointer 16-byte aligned', () => {
    expect(matvecTakes(1, 64, 'float32', [...aligned, 0x7f0000000208n])).toBe(false);
    expect(matvecTakes(1, 64, 'float32', [0x7f0000000210n])).toBe(true);
  });

  it('linearManyTakes: 1 to 4 weights, their Ms summing below 2^31, and the matvec conditions for x and every weight', () => {
    const x = 0x7f0000000000n;
    const w = (i: number) => 0x7f0000010000n + BigInt(i) * 0x100n;
    expect(LINEAR_MANY_MAX_WEIGHTS).toBe(4);
    expect(linearManyTakes(1, 2048, 'bfloat16', [2048, 512, 512], [x, w(0), w(1), w(2)])).toBe(true);
    expect(linearManyTakes(8, 64, 'float32', [1, 2, 3, 4], [x, w(0), w(1), w(2), w(3)])).toBe(true);
    expect(linearManyTakes(1, 64, 'float32', [1, 2, 3, 4, 5], [x, w(0), w(1), w(2), w(3), w(4)])).toBe(false);
    expect(linearManyTakes(1, 64, 'float32', [], [x])).toBe(false);
    expect(linearManyTakes(9, 64, 'float32', [8, 8], [x, w(0), w(1)])).toBe(false);
    expect(linearManyTakes(1, 36, 'float16', [8, 8], [x, w(0), w(1)])).toBe(false);
    expect(linearManyTakes(1, 64, 'float32', [8, 8], [x, w(0), w(1) + 8n])).toBe(false);
    expect(linearManyTakes(1, 64, 'float32', [LINEAR_MANY_MAX_TOTAL_M - 8, 8], [x, w(0), w(1)])).toBe(true);
    expect(linearManyTakes(1, 64, 'float32', [LINEAR_MANY_MAX_TOTAL_M - 8, 9], [x, w(0), w(1)])).toBe(false);
  });
});
