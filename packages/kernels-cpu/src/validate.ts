// Argument checks shared by the ops: every failure names the argument and what was expected.
import { type DType, type Tensor, ArgumentError, shapeSize } from '@cria/core';

export const WEIGHT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];

function describe(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/** `t` is a live tensor held in host memory (device 'cpu'). */
export function requireHost(op: string, arg: string, t: unknown): Tensor {
  const tensor = t as Tensor;
  if (tensor === null || typeof tensor !== 'object' || !('storage' in tensor) || !('shape' in tensor)) {
    throw new ArgumentError(`${op}: ${arg} must be a Tensor`);
  }
  if (tensor.device !== 'cpu') throw new ArgumentError(`${op}: ${arg} ${describe(tensor)} is on '${tensor.device}'; the cpu backend needs a 'cpu' tensor`);
  tensor.assertAlive(`${op}: ${arg}`);
  if (!ArrayBuffer.isView(tensor.storage.handle)) throw new ArgumentError(`${op}: ${arg} ${describe(tensor)} is not in host memory`);
  return tensor;
}

export function requireDType(op: string, arg: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new ArgumentError(`${op}: ${arg} ${describe(t)} must have dtype ${allowed.join(' or ')}`);
  }
}

export function requireRank(op: string, arg: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) throw new ArgumentError(`${op}: ${arg} ${describe(t)} must have rank ${rank}`);
}

export function requireMinRank(op: string, arg: string, t: Tensor, rank: number): void {
  if (t.shape.length < rank) throw new ArgumentError(`${op}: ${arg} ${describe(t)} must have at least ${rank} dimension(s)`);
}

export function requireDim(op: string, arg: string, t: Tensor, axis: number, expected: number, what: string): void {
  const actual = t.shape[axis < 0 ? t.shape.length + axis : axis];
  if (actual !== expected) {
    throw new ArgumentError(`${op}: ${arg} ${describe(t)} must have ${expected} (${what}) in dimension ${axis}, not ${actual}`);
  }
}

export function requireSameShape(op: string, argA: string, a: Tensor, argB: string, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ArgumentError(`${op}: ${argA} ${describe(a)} and ${argB} ${describe(b)} must have the same shape`);
  }
}

export function requirePositiveInt(op: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ArgumentError(`${op}: ${arg} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function requireNonNegativeInt(op: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ArgumentError(`${op}: ${arg} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function requireFinite(op: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ArgumentError(`${op}: ${arg} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** The product of all dimensions but the last ("rows"). */
export function rowsOf(t: Tensor): number {
  return shapeSize(t.shape.slice(0, -1));
}

/** The last dimension. */
export function lastDim(t: Tensor): number {
  return t.shape[t.shape.length - 1]!;
}
