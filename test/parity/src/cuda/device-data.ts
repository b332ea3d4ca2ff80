// Host data for the device checks: deterministic floats, and values narrowed to a weight dtype with the numbers the
// device will see (halves widened back), shared by test/device-checks.ts and test/linear-many-checks.ts.
import { bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { SeededRandom } from '@cria/core/testing';

export type Half = 'float16' | 'bfloat16';
export type Float = 'float32' | Half;

/** `n` deterministic floats uniform in [-amplitude, amplitude). */
export const randomFloats = (n: number, seed: number, amplitude = 1): Float32Array => new SeededRandom(seed).floats(n, amplitude);
export const narrow = (x: Float32Array, dtype: Half): Uint16Array => (dtype === 'float16' ? float32ArrayToFloat16(x) : float32ArrayToBfloat16(x));
export const widen = (bits: Uint16Array, dtype: Half): Float32Array => (dtype === 'float16' ? float16ArrayToFloat32(bits) : bfloat16ArrayToFloat32(bits));

/** `values` as uploaded in `dtype` (host) and as the device reads them (exact). */
export function hostAndExact(values: Float32Array, dtype: Float): { host: Float32Array | Uint16Array; exact: Float32Array } {
  if (dtype === 'float32') return { host: values, exact: values };
  const host = narrow(values, dtype);
  return { host, exact: widen(host, dtype) };
}
