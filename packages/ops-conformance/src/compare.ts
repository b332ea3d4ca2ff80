// How far a backend's output is from the reference's.
import { type DType, type TypedArray, toFloat32Array } from '@cria/core';

/** ‖a−b‖/‖b‖ in float64 (‖a−b‖ when b is all zeros); NaN when either holds a NaN or an infinity. */
export function relativeL2Error(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeL2Error: ${a.length} vs ${b.length} elements`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    diff += d * d;
    norm += b[i]! * b[i]!;
  }
  if (!Number.isFinite(diff) || !Number.isFinite(norm)) return NaN;
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** The fraction of elements that differ (bit-exact comparison). */
export function mismatchFraction(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`mismatchFraction: ${a.length} vs ${b.length} elements`);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
  return a.length === 0 ? 0 : differ / a.length;
}

/**
 * The error of one output: float32 by ‖a−b‖/‖b‖; integer outputs (indices) and raw float16 /
 * bfloat16 bits (cast results) must be exactly equal, and report the fraction that differ.
 */
export function outputError(actual: TypedArray, expected: TypedArray, dtype: DType): number {
  if (dtype === 'float32' || dtype === 'float64') return relativeL2Error(toFloat32Array(actual, dtype), toFloat32Array(expected, dtype));
  if (dtype === 'int64') return mismatchFraction(Array.from(actual as BigInt64Array, Number), Array.from(expected as BigInt64Array, Number));
  return mismatchFraction(actual as ArrayLike<number>, expected as ArrayLike<number>);
}
