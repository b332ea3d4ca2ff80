// The launch conditions of linear.cu's fused matvec launchers (launchLinearSiluMul, launchLinearMany): where one
// fails the native launcher returns cudaErrorInvalidValue before anything is enqueued, and so does the emulation. The
// rule itself is matvec-route.ts's, the one the backend routes by: it is stated once in TypeScript.
import { DTYPE_CODE, type DevicePtr, type NativeDType } from '../binding.js';
import { linearManyTakes, matvecTakes } from '../matvec-route.js';
import { requiredPointer } from './args.js';

/** kernels.h kMaxLinearManyWeights. */
export const MAX_LINEAR_MANY_WEIGHTS = 4;

const dtypeOf = (code: number): NativeDType => (Object.keys(DTYPE_CODE) as NativeDType[]).find((d) => DTYPE_CODE[d] === code)!;

const fail = (method: string, why: string): never => {
  throw new Error(`CUDA ${method} failed: cudaErrorInvalidValue: ${why}`);
};

/** launchLinearSiluMul's conditions: the matvec's (matvecTakes), and both biases or neither. */
export function requireGatedMatvecLaunch(a: { x: DevicePtr; weightDtype: number; gate: DevicePtr; up: DevicePtr; gateBias: DevicePtr | null; upBias: DevicePtr | null; rows: number; k: number }): void {
  if (!matvecTakes(a.rows, a.k, dtypeOf(a.weightDtype), [a.x, a.gate, a.up])) fail('linearSiluMul', `the gated matvec does not take ${a.rows} rows of K ${a.k} at these pointers (matvecTakes)`);
  if ((a.gateBias === null) !== (a.upBias === null)) fail('linearSiluMul', 'gateBias and upBias must both be given or both be null');
}

/** A pointer array of context.cc's linearMany (arrayArg): an array of `count` entries, or of 1 to 4 when count is undefined. */
export function pointerArrayArg(method: string, name: string, value: unknown, count?: number): DevicePtr[] {
  if (!Array.isArray(value)) throw new TypeError(`${method}: ${name} must be an array, got ${value === null ? 'null' : typeof value}`);
  const ok = count === undefined ? value.length >= 1 && value.length <= MAX_LINEAR_MANY_WEIGHTS : value.length === count;
  if (!ok) throw new RangeError(`${method}: ${name} must hold ${count ?? `1 to ${MAX_LINEAR_MANY_WEIGHTS}`} entries, got ${value.length}`);
  return value.map((p, i) => requiredPointer(method, `${name}[${i}]`, p));
}

/** launchLinearMany's conditions (linearManyTakes), when there is something to launch (rows and columns). */
export function requireSegmentedMatvecLaunch(a: { x: DevicePtr; weightDtype: number; weights: readonly DevicePtr[]; ms: readonly number[]; rows: number; k: number }): void {
  if (a.rows === 0 || a.ms.every((m) => m === 0)) return;
  if (!linearManyTakes(a.rows, a.k, dtypeOf(a.weightDtype), a.ms, [a.x, ...a.weights])) {
    fail('linearMany', `the segmented matvec does not take ${a.rows} rows of K ${a.k} for Ms [${a.ms.join(', ')}] at these pointers (linearManyTakes)`);
  }
}
