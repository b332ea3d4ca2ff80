import { describe, expect, it } from 'vitest';
import { MATVEC_MAX_ROWS, matvecTakes } from './matvec-route.js';

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
});
