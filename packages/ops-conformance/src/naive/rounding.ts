// Round-to-nearest-even by search over every finite value of a 16-bit float format: independent of
// the bit tricks @cria/kernels-cpu and @cria/core use. Only the widening (exact) is shared.
import { float16ToFloat32 } from '@cria/core';

interface Format {
  /** Non-negative finite bit patterns in increasing order of value, then Infinity. */
  bits: Uint16Array;
  values: Float64Array;
  signBit: number;
}

function bfloat16Value(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

function buildFormat(maxFinite: number, infBits: number, infValue: number, widen: (b: number) => number): Format {
  const count = maxFinite + 2;
  const bits = new Uint16Array(count);
  const values = new Float64Array(count);
  for (let b = 0; b <= maxFinite; b++) {
    bits[b] = b;
    values[b] = widen(b);
  }
  // Infinity sits where the next binade would start, with an even pattern: the tie above the
  // largest finite value then rounds to it, as IEEE 754 requires.
  bits[maxFinite + 1] = infBits;
  values[maxFinite + 1] = infValue;
  return { bits, values, signBit: 0x8000 };
}

const FLOAT16 = buildFormat(0x7bff, 0x7c00, 65536, float16ToFloat32);
const BFLOAT16 = buildFormat(0x7f7f, 0x7f80, 2 ** 128, bfloat16Value);

function roundTo(format: Format, value: number): number {
  if (Number.isNaN(value)) throw new Error('naive rounding: NaN inputs are not generated');
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value);
  const { bits, values } = format;
  const last = values.length - 1;
  if (magnitude >= values[last]!) return (negative ? format.signBit : 0) | bits[last]!;
  // Largest index with values[lo] <= magnitude.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= magnitude) lo = mid;
    else hi = mid;
  }
  const below = magnitude - values[lo]!;
  const above = values[hi]! - magnitude;
  const chosen = below < above ? lo : above < below ? hi : (bits[lo]! & 1) === 0 ? lo : hi;
  return (negative ? format.signBit : 0) | bits[chosen]!;
}

export const roundToFloat16 = (value: number): number => roundTo(FLOAT16, value);
export const roundToBfloat16 = (value: number): number => roundTo(BFLOAT16, value);
export { bfloat16Value };
