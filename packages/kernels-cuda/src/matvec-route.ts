// Which products the native matvec kernel serves (native/kernels/linear.cu matvecTakes), so linearSiluMul sends
// exactly those to the gated matvec and composes linear, linear, siluMul for the rest.
import { DTYPE_BYTES, type DType } from '@cria/core';
import type { DevicePtr } from './binding.js';

/** The most rows (tokens) the matvec kernel takes: decode. */
export const MATVEC_MAX_ROWS = 8;

/**
 * Whether the matvec kernel takes `rows` rows of x against weights of `weightDtype` with in_features `k`: rows <= 8,
 * k a whole number of 16-byte weight loads, and every pointer (x and the weights) 16-byte aligned.
 */
export function matvecTakes(rows: number, k: number, weightDtype: DType, pointers: readonly DevicePtr[]): boolean {
  const perLoad = 16 / DTYPE_BYTES[weightDtype];
  return rows <= MATVEC_MAX_ROWS && k % perLoad === 0 && pointers.every((p) => p % 16n === 0n);
}
