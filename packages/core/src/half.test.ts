import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16, float16ArrayToFloat32, bfloat16ArrayToFloat32 } from './half.js';

// Reference decoders written independently of the implementation: from the IEEE 754 field layout.
function refHalf(bits: number): number {
  const s = bits >> 15, e = (bits >> 10) & 31, m = bits & 1023;
  const v = e === 0 ? (m / 1024) * 2 ** -14 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return s ? -v : v;
}
function refBf16(bits: number): number {
  const s = bits >> 15, e = (bits >> 7) & 255, m = bits & 127;
  const v = e === 0 ? (m / 128) * 2 ** -126 : e === 255 ? (m ? NaN : Infinity) : (1 + m / 128) * 2 ** (e - 127);
  return s ? -v : v;
}
const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

describe('float16', () => {
  it('widens all 65536 bit patterns exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const wide = float16ArrayToFloat32(all);
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) if (!same(float16ToFloat32(i), refHalf(i)) || !same(wide[i]!, refHalf(i))) wrong.push(i);
    expect(wrong).toEqual([]);
  });
  it('narrows every half value back to its own bits (round trip on all 65536)', () => {
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const v = refHalf(i);
      const ok = Number.isNaN(v) ? Number.isNaN(float16ToFloat32(float32ToFloat16(v))) : float32ToFloat16(v) === i;
      if (!ok) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });
  it('rounds to nearest even between neighbours, into subnormals and to Inf', () => {
    const wrong: number[] = [];
    for (let i = 0; i < 0x7bff; i++) {
      const lo = refHalf(i), hi = refHalf(i + 1), mid = (lo + hi) / 2;
      const even = i % 2 === 0 ? i : i + 1;
      if (float32ToFloat16(mid) !== even || float32ToFloat16(-mid) !== (even | 0x8000)) wrong.push(i);
      if (float32ToFloat16(lo + (hi - lo) * 0.25) !== i || float32ToFloat16(lo + (hi - lo) * 0.75) !== i + 1) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(float32ToFloat16(65520)).toBe(0x7c00); // halfway past the max rounds to Inf
    expect(float32ToFloat16(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (0)
    expect(float32ToFloat16(2 ** -25 * 1.0001)).toBe(1);
    expect(float32ToFloat16(1e-10)).toBe(0);
    expect(float32ToFloat16(-0)).toBe(0x8000);
    expect(float32ToFloat16(-Infinity)).toBe(0xfc00);
  });
});

describe('bfloat16', () => {
  it('widens all 65536 bit patterns exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const wide = bfloat16ArrayToFloat32(all);
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) if (!same(bfloat16ToFloat32(i), refBf16(i)) || !same(wide[i]!, refBf16(i))) wrong.push(i);
    expect(wrong).toEqual([]);
  });
  it('round trips all 65536 and rounds midpoints to even', () => {
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const v = refBf16(i);
      if (Number.isNaN(v)) {
        if (!Number.isNaN(bfloat16ToFloat32(float32ToBfloat16(v)))) wrong.push(i);
        continue;
      }
      if (float32ToBfloat16(v) !== i) wrong.push(i);
      if ((i & 0x7fff) < 0x7f7f) {
        const mid = (v + refBf16(i + 1)) / 2; // exactly representable in float32
        if (float32ToBfloat16(mid) !== (i % 2 === 0 ? i : i + 1)) wrong.push(i);
      }
    }
    expect(wrong).toEqual([]);
    expect(float32ToBfloat16(3.4e38)).toBe(0x7f80 - 0); // rounds up to Inf
  });
});
