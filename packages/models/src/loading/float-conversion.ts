// Conversion between the float dtypes weights are stored and kept in. Elementwise, so a chunk converts alone.
import {
  type DType,
  type TypedArray,
  bfloat16ArrayToFloat32,
  float16ArrayToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
} from '@cria/core';

/** The dtypes a weight may be stored in and loaded as. */
export type FloatDType = 'float32' | 'float16' | 'bfloat16';
export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];

/** `data` (host bits of `from`) as `to`, rounding to nearest even when narrowing; `data` itself when they agree. */
export function convertFloats(data: TypedArray, from: FloatDType, to: FloatDType): TypedArray {
  if (from === to) return data;
  const wide = from === 'float32' ? (data as Float32Array) : from === 'float16' ? float16ArrayToFloat32(data as Uint16Array) : bfloat16ArrayToFloat32(data as Uint16Array);
  if (to === 'float32') return wide;
  return to === 'float16' ? float32ArrayToFloat16(wide) : float32ArrayToBfloat16(wide);
}
