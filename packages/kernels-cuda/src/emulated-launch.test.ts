// The emulated device refuses the fused matvec launches exactly where matvec-route.ts says the native launchers do:
// the routing rule is stated once in TypeScript, and the backend and the emulator both read it.
import { describe, expect, it } from 'vitest';
import { DTYPE_CODE, type NativeDType } from './binding.js';
import { linearManyTakes, matvecTakes } from './matvec-route.js';
import { createEmulatedContext } from './testing.js';

const GRID = { rows: [1, 8, 9], k: [8, 12, 36], dtype: ['float32', 'float16', 'bfloat16'] as NativeDType[], misalign: [0n, 4n, 8n] };

describe('the emulated fused matvec launches', () => {
  it('linearSiluMul and linearMany launch exactly where matvecTakes / linearManyTakes say', () => {
    const ctx = createEmulatedContext();
    const [x, w, out] = [ctx.alloc(9 * 36 * 4 + 16), ctx.alloc(4 * 36 * 4 + 16), ctx.alloc(9 * 4 * 4)];
    for (const rows of GRID.rows) {
      for (const k of GRID.k) {
        for (const dtype of GRID.dtype) {
          for (const misalign of GRID.misalign) {
            const where = `rows ${rows} K ${k} ${dtype} x+${misalign}`;
            const gated = () => ctx.linearSiluMul(x + misalign, DTYPE_CODE[dtype], w, w, -1, null, null, out, rows, k, 2);
            if (matvecTakes(rows, k, dtype, [x + misalign, w, w])) expect(gated, where).not.toThrow();
            else expect(gated, where).toThrow(/CUDA linearSiluMul failed: cudaErrorInvalidValue/);
            const many = () => ctx.linearMany(x + misalign, DTYPE_CODE[dtype], [w, w], -1, null, [out, out], [2, 2], rows, k);
            if (linearManyTakes(rows, k, dtype, [2, 2], [x + misalign, w, w])) expect(many, where).not.toThrow();
            else expect(many, where).toThrow(/CUDA linearMany failed: cudaErrorInvalidValue/);
          }
        }
      }
    }
    expect(() => ctx.linearMany(x, DTYPE_CODE.float32, [w, w], -1, null, [out, out], [2 ** 31 - 2, 2], 1, 8)).toThrow(/cudaErrorInvalidValue/);
    expect(() => ctx.linearMany(x, DTYPE_CODE.float32, [w, w, w, w, w], -1, null, [out, out, out, out, out], [1, 1, 1, 1, 1], 1, 8)).toThrow(RangeError);
    expect(() => ctx.linearSiluMul(x, DTYPE_CODE.float32, w, w, 0, w, null, out, 1, 8, 2)).toThrow(/cudaErrorInvalidValue/); // one bias
    expect(() => ctx.linearMany(x, DTYPE_CODE.float16, [w, w], -1, null, [out, out], [2, 2], 0, 12)).not.toThrow(); // nothing to launch
    ctx.dispose();
  });
});
