// Argument checks of the emulated native calls, as strict as native/context.cc's (a pointer is a bigint, a
// number is a number) and stricter where the native code would silently truncate (counts must be integers >= 0).
import { DTYPE_CODE, type DevicePtr } from '../binding.js';

/** A device pointer argument; null or undefined is the null pointer (as ptrArg in context.cc). */
export function pointerArg(method: string, name: string, value: unknown): DevicePtr | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'bigint') throw new TypeError(`${method}: ${name} must be a device pointer (bigint), got ${typeof value}`);
  return value;
}

/** A pointer the call cannot do without. */
export function requiredPointer(method: string, name: string, value: unknown): DevicePtr {
  const p = pointerArg(method, name, value);
  if (p === null) throw new TypeError(`${method}: ${name} must be a device pointer (bigint), got ${String(value)}`);
  return p;
}

/** A count or size: an integer >= 0 (the native intArg would truncate a fraction; here it is a caller's bug). */
export function countArg(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${method}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${method}: ${name} must be an integer >= 0, got ${value}`);
  return value;
}

/** A signed integer (kvWrite's host offset may be anything; out-of-range offsets write nothing). */
export function integerArg(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${method}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${method}: ${name} must be an integer, got ${value}`);
  return value;
}

/** A float argument, narrowed to float32 as the native floatArg does. */
export function floatArg(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${method}: ${name} must be a number, got ${typeof value}`);
  return Math.fround(value);
}

/** A dtype code of binding.ts DTYPE_CODE (0 float32, 1 float16, 2 bfloat16, 3 int32). */
export function dtypeArg(method: string, name: string, value: unknown): number {
  const code = integerArg(method, name, value);
  if (code < DTYPE_CODE.float32 || code > DTYPE_CODE.int32) throw new RangeError(`${method}: unknown dtype code ${code} for ${name} (expected 0-3)`);
  return code;
}

/** A dtype code the kernel takes only as a float (0-2); others fail as the native launch does (cudaErrorInvalidValue). */
export function floatDtypeArg(method: string, name: string, value: unknown): number {
  const code = dtypeArg(method, name, value);
  if (code === DTYPE_CODE.int32) throw new Error(`CUDA ${method} failed: cudaErrorInvalidValue: ${name} must be float32, float16 or bfloat16 (code 0-2), got int32 (code 3)`);
  return code;
}
