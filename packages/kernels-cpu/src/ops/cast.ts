// Conversions between float32, float16, bfloat16 (raw bits) and int32.
import { type TypedArray, float16ToFloat32, bfloat16ToFloat32, float32ToFloat16, float32ToBfloat16 } from '@cria/core';

export type CastDType = 'float32' | 'float16' | 'bfloat16' | 'int32';
export const CAST_DTYPES: readonly CastDType[] = ['float32', 'float16', 'bfloat16', 'int32'];

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The value of element i as a JavaScript number (exact for every source dtype). */
function reader(data: TypedArray, from: CastDType): (i: number) => number {
  switch (from) {
    case 'float16':
      return (i) => float16ToFloat32((data as Uint16Array)[i]!);
    case 'bfloat16':
      return (i) => bfloat16ToFloat32((data as Uint16Array)[i]!);
    default:
      return (i) => (data as Float32Array | Int32Array)[i]!;
  }
}

/**
 * Rounds a number to bfloat16 bits, nearest-even, in one step. float32ToBfloat16 first rounds to
 * float32, which would round twice for integers above 2^24 that float32 cannot hold exactly.
 */
function numberToBfloat16(value: number): number {
  if (Math.fround(value) === value || !Number.isFinite(value)) return float32ToBfloat16(value);
  // |value| >= 2^24 here (an int32 not exact in float32): keep 8 significant bits, ties to even.
  let exponent = Math.floor(Math.log2(Math.abs(value)));
  if (2 ** exponent > Math.abs(value)) exponent--; // guard log2 rounding near powers of two
  if (2 ** (exponent + 1) <= Math.abs(value)) exponent++;
  const ulp = 2 ** (exponent - 7);
  const scaled = value / ulp; // exact: value is an integer, ulp a power of two
  let rounded = Math.round(scaled);
  if (Math.abs(scaled % 1) === 0.5 && rounded % 2 !== 0) rounded -= 1; // ties to even (Math.round rounds ties up)
  return float32ToBfloat16(rounded * ulp); // exact in bfloat16 now
}

/** float -> int32 as torch's .to(torch.int32): truncation toward zero; NaN -> 0, out of range saturates. */
function numberToInt32(value: number): number {
  if (Number.isNaN(value)) return 0;
  const truncated = Math.trunc(value);
  return truncated < INT32_MIN ? INT32_MIN : truncated > INT32_MAX ? INT32_MAX : truncated;
}

export function castKernel(data: TypedArray, length: number, from: CastDType, to: CastDType): TypedArray {
  const read = reader(data, from);
  switch (to) {
    case 'float32': {
      const out = new Float32Array(length);
      for (let i = 0; i < length; i++) out[i] = read(i); // Float32Array stores round-to-nearest-even
      return out;
    }
    case 'float16': {
      const out = new Uint16Array(length);
      // Every source value is exact in float32 or (int32 beyond 2^24) far above float16's range, so
      // rounding through float32 cannot round twice.
      for (let i = 0; i < length; i++) out[i] = float32ToFloat16(read(i));
      return out;
    }
    case 'bfloat16': {
      const out = new Uint16Array(length);
      for (let i = 0; i < length; i++) out[i] = numberToBfloat16(read(i));
      return out;
    }
    case 'int32': {
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) out[i] = from === 'int32' ? read(i) : numberToInt32(read(i));
      return out;
    }
  }
}
