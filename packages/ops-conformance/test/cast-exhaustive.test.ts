// cast over every 16-bit pattern and many random float32 patterns, against the naive search-based rounding.
import { describe, expect, it } from 'vitest';
import { float16ToFloat32, hostData } from '@cria/core';
import { CpuBackend } from '@cria/kernels-cpu';
import { SeededRandom } from '../src/index.js';
import { bfloat16Value, roundToBfloat16, roundToFloat16 } from '../src/naive.js';

const cpu = new CpuBackend();
const isNaN16 = (bits: number, exponentMask: number, mantissaMask: number) => (bits & exponentMask) === exponentMask && (bits & mantissaMask) !== 0;

describe('cast, exhaustively', () => {
  it('float16 -> float32 -> float16 and bfloat16 -> float32 -> bfloat16 return every non-NaN pattern', () => {
    for (const [dtype, exponentMask, mantissaMask, widen] of [
      ['float16', 0x7c00, 0x3ff, float16ToFloat32],
      ['bfloat16', 0x7f80, 0x7f, bfloat16Value],
    ] as const) {
      const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((b) => !isNaN16(b, exponentMask, mantissaMask));
      const wide = hostData(cpu.cast(cpu.upload(patterns.slice(), [patterns.length], dtype), 'float32')) as Float32Array;
      patterns.forEach((b, i) => {
        if (!Object.is(wide[i], widen(b))) throw new Error(`${dtype} 0x${b.toString(16)} widened to ${wide[i]}, expected ${widen(b)}`);
      });
      const back = hostData(cpu.cast(cpu.upload(wide, [wide.length], 'float32'), dtype)) as Uint16Array;
      expect(back.filter((b, i) => b !== patterns[i]).length, `${dtype} patterns that do not come back`).toBe(0);
      expect(back.length).toBe(patterns.length);
    }
  });

  it('float32 -> float16 / bfloat16 agree with nearest-even search on 200000 random float32 bit patterns', () => {
    const random = new SeededRandom(20261122);
    const bits = new Uint32Array(200000);
    for (let i = 0; i < bits.length; i++) {
      // Exponents spread over the whole range, low mantissa bits sometimes exactly at a tie.
      let b = Math.floor(random.next() * 2 ** 32) >>> 0;
      if (i % 5 === 0) b = (b & ~0x1fff) | 0x1000; // a float16 tie (for normal halves)
      if (i % 5 === 1) b = (b & ~0xffff) | 0x8000; // a bfloat16 tie
      if ((b & 0x7f800000) === 0x7f800000) b &= ~0x7fffff; // no NaN: Inf instead
      bits[i] = b;
    }
    const values = new Float32Array(bits.buffer);
    const half = hostData(cpu.cast(cpu.upload(values.slice(), [values.length], 'float32'), 'float16')) as Uint16Array;
    const brain = hostData(cpu.cast(cpu.upload(values.slice(), [values.length], 'float32'), 'bfloat16')) as Uint16Array;
    let halfWrong = 0;
    let brainWrong = 0;
    values.forEach((v, i) => {
      if (half[i] !== roundToFloat16(v)) halfWrong++;
      if (brain[i] !== roundToBfloat16(v)) brainWrong++;
    });
    expect({ halfWrong, brainWrong }).toEqual({ halfWrong: 0, brainWrong: 0 });
  });
});
