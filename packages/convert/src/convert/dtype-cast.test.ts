// The fast conversion paths against @cria/core's exact scalar conversions, over every 16-bit
// pattern and a spread of float32 values (zeros, subnormals, halfway cases, Inf, NaN).
import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '@cria/core';
import { SeededRandom } from '@cria/core/testing';
import { elementCopier } from './dtype-cast.js';

const ALL16 = Uint16Array.from({ length: 65536 }, (_, i) => i);
const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function float32Samples(): Float32Array {
  const random = new SeededRandom(12345);
  const bits = Uint32Array.from({ length: 200000 }, () => random.uint32());
  const special = [0, 0x80000000, 1, 0x007fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x3f808000, 0x3f818000, 0x3f80c000, 0x477fe000, 0x477ff000, 0x33800000, 0x337fffff, 0x3f801000, 0x3f803000, 0x33c00000, 0x34200000, 0x38800000, 0x387fc000, 0x387fe000, 0x7f7ff000, 0xc77ff000];
  bits.set(special);
  return new Float32Array(bits.buffer);
}

describe('elementCopier', () => {
  it('widens bfloat16 and float16 exactly, and converts between them as through float32', () => {
    const cases = [
      ['bfloat16', 'float32', (b: number) => bfloat16ToFloat32(b)],
      ['float16', 'float32', (b: number) => float16ToFloat32(b)],
      ['bfloat16', 'float16', (b: number) => float32ToFloat16(bfloat16ToFloat32(b))],
      ['float16', 'bfloat16', (b: number) => float32ToBfloat16(float16ToFloat32(b))],
    ] as const;
    for (const [from, to, reference] of cases) {
      const out = to === 'float32' ? new Float32Array(65536) : new Uint16Array(65536);
      elementCopier(bytes(ALL16), from, bytes(out), to, 'test')(0, 0, 65536);
      for (let b = 0; b < 65536; b++) {
        const want = reference(b);
        const got = out[b]!;
        if (!(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)))) throw new Error(`${from}->${to} of 0x${b.toString(16)}: got ${got}, want ${want}`);
      }
    }
  });

  it('narrows float32 to bfloat16 and float16 with round-to-nearest-even', () => {
    const values = float32Samples();
    for (const [to, reference] of [['bfloat16', float32ToBfloat16], ['float16', float32ToFloat16]] as const) {
      const out = new Uint16Array(values.length);
      elementCopier(bytes(values), 'float32', bytes(out), to, 'test')(0, 0, values.length);
      const want = Array.from(values, (v) => reference(v));
      expect(Array.from(out)).toEqual(want);
    }
  });

  it('copies ranges at offsets and refuses integer tensors', () => {
    const src = Uint16Array.of(0x3f80, 0x4000, 0x4040, 0x4080);
    const out = new Float32Array(6);
    elementCopier(bytes(src), 'bfloat16', bytes(out), 'float32', 'w')(1, 3, 2);
    expect(Array.from(out)).toEqual([0, 0, 0, 2, 3, 0]);
    expect(() => elementCopier(new Uint8Array(8), 'int64', new Uint8Array(4), 'float32', "'step'")).toThrow(/'step' is int64; only float tensors can be converted/);
  });
});
