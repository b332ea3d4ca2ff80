// Which products the native matvec kernel serves (native/kernels/linear.cu matvecTakes), so linearSiluMul sends
// exactly those to the gated matvec (composing linear, linear, siluMul for the rest) and linearMany exactly those to
// the segmented matvec (running linear per weight for the rest).
import { type DType, elementBytes } from '@cria/core';
import type { DevicePtr } from './binding.js';

/** The most rows (tokens) the matvec kernel takes: decode. */
export const MATVEC_MAX_ROWS = 8;

/**
 * Whether the matvec kernel takes `rows` rows of x against weights of `weightDtype` with in_features `k`: rows <= 8,
 * k a whole number of 16-byte weight loads, and every pointer (x and the weights) 16-byte aligned.
 */
export function matvecTakes(rows: number, k: number, weightDtype: DType, pointers: readonly DevicePtr[]): boolean {
  const perLoad = 16 / elementBytes(weightDtype);
  return rows <= MATVEC_MAX_ROWS && k % perLoad === 0 && pointers.every((p) => p % 16n === 0n);
}

/** The most weights linearMany's segmented matvec takes in one launch (kernels.h kMaxLinearManyWeights). */
export const LINEAR_MANY_MAX_WEIGHTS = 4;

/** The most output features the segmented matvec's weights may have together (its block indices are 32-bit). */
export const LINEAR_MANY_MAX_TOTAL_M = 0x7fffffff;

/**
 * Whether launchLinearMany takes the call: 1 to LINEAR_MANY_MAX_WEIGHTS weights whose out_features `ms` sum to at
 * most LINEAR_MANY_MAX_TOTAL_M, and the matvec's conditions for x and every weight (`pointers`: x, then the weights).
 */
export function linearManyTakes(rows: number, k: number, weightDtype: DType, ms: readonly number[], pointers: readonly DevicePtr[]): boolean {
  const totalM = ms.reduce((sum, m) => sum + m, 0);
  return ms.length >= 1 && ms.length <= LINEAR_MANY_MAX_WEIGHTS && totalM <= LINEAR_MANY_MAX_TOTAL_M && matvecTakes(rows, k, weightDtype, pointers);
}
