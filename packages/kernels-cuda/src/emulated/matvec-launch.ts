// The launch conditions of linear.cu's fused matvec launchers (launchLinearSiluMul, launchLinearMany): where one
// fails the native launcher returns cudaErrorInvalidValue before anything is enqueued, and so does the emulation.
import { DTYPE_CODE, type DevicePtr } from '../binding.js';
import { requiredPointer } from './args.js';
import { hex } from './device-memory.js';

/** kernels.h kMaxLinearManyWeights. */
export const MAX_LINEAR_MANY_WEIGHTS = 4;

const fail = (method: string, why: string): never => {
  throw new Error(`CUDA ${method} failed: cudaErrorInvalidValue: ${why}`);
};

/**
 * matvecTakes (linear.cu) for `kernel` ('the gated matvec', 'the segmented matvec'): rows <= 8, K a whole number of
 * 16-byte weight loads, every named pointer (x and the weights) 16-byte aligned.
 */
export function requireMatvecLaunch(method: string, kernel: string, a: { weightDtype: number; rows: number; k: number }, pointers: readonly (readonly [string, DevicePtr])[]): void {
  const elementsPerLoad = a.weightDtype === DTYPE_CODE.float32 ? 4 : 8;
  if (a.rows > 8) fail(method, `${kernel} takes at most 8 rows, got ${a.rows}`);
  if (a.k % elementsPerLoad !== 0) fail(method, `K (${a.k}) must be a multiple of ${elementsPerLoad} (16-byte weight loads)`);
  for (const [name, p] of pointers) if (p % 16n !== 0n) fail(method, `${name} ${hex(p)} is not 16-byte aligned`);
}

/** launchLinearSiluMul's conditions: the matvec's, and both biases or neither. */
export function requireGatedMatvecLaunch(a: { x: DevicePtr; weightDtype: number; gate: DevicePtr; up: DevicePtr; gateBias: DevicePtr | null; upBias: DevicePtr | null; rows: number; k: number }): void {
  requireMatvecLaunch('linearSiluMul', 'the gated matvec', a, [['x', a.x], ['gate', a.gate], ['up', a.up]]);
  if ((a.gateBias === null) !== (a.upBias === null)) fail('linearSiluMul', 'gateBias and upBias must both be given or both be null');
}

/** A pointer array of context.cc's linearMany (arrayArg): an array of `count` entries, or of 1 to 4 when count is undefined. */
export function pointerArrayArg(method: string, name: string, value: unknown, count?: number): DevicePtr[] {
  if (!Array.isArray(value)) throw new TypeError(`${method}: ${name} must be an array, got ${value === null ? 'null' : typeof value}`);
  const ok = count === undefined ? value.length >= 1 && value.length <= MAX_LINEAR_MANY_WEIGHTS : value.length === count;
  if (!ok) throw new RangeError(`${method}: ${name} must hold ${count ?? `1 to ${MAX_LINEAR_MANY_WEIGHTS}`} entries, got ${value.length}`);
  return value.map((p, i) => requiredPointer(method, `${name}[${i}]`, p));
}

/** launchLinearMany's conditions beyond the matvec's: the Ms (counts) summing below 2^31. */
export function requireSegmentedMatvecLaunch(a: { x: DevicePtr; weightDtype: number; weights: readonly DevicePtr[]; ms: readonly number[]; rows: number; k: number }): void {
  const totalM = a.ms.reduce((sum, m) => sum + m, 0);
  if (totalM > 0x7fffffff) fail('linearMany', `the weights' M sum to ${totalM}, above 2^31 - 1`);
  if (a.rows === 0 || totalM === 0) return; // nothing to launch: no further conditions
  requireMatvecLaunch('linearMany', 'the segmented matvec', a, [['x', a.x], ...a.weights.map((p, i) => [`weights[${i}]`, p] as const)]);
}
