// The checks the ops' argument rules are made of. Every failure is an ArgumentError that names the op, the argument
// and what was expected.
import { type DType, dtypeArrayLength, isDType, isQuantDType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { type TensorSpec, describeSpec } from './spec.js';

export function requireRank(op: string, arg: string, t: TensorSpec, rank: number, layout?: string): void {
  if (t.shape.length !== rank) throw new ArgumentError(`${op}: ${arg} ${describeSpec(t)} must have rank ${rank}${layout ? ` (${layout})` : ''}`);
}

export function requireMinRank(op: string, arg: string, t: TensorSpec, rank: number): void {
  if (t.shape.length < rank) throw new ArgumentError(`${op}: ${arg} ${describeSpec(t)} must have at least ${rank} dimension(s)`);
}

/** Dimension `axis` (negative: from the end) of `t` is `expected`; `what` says where that number comes from. */
export function requireDim(op: string, arg: string, t: TensorSpec, axis: number, expected: number, what: string): void {
  const actual = t.shape[axis < 0 ? t.shape.length + axis : axis];
  if (actual !== expected) {
    throw new ArgumentError(`${op}: ${arg} ${describeSpec(t)} must have ${expected} (${what}) in dimension ${axis}, not ${actual}`);
  }
}

export function requireSameShape(op: string, argA: string, a: TensorSpec, argB: string, b: TensorSpec): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ArgumentError(`${op}: ${argA} ${describeSpec(a)} and ${argB} ${describeSpec(b)} must have the same shape`);
  }
}

/** An integer in [min, max]; `why` says where the bounds come from. */
export function requireInteger(op: string, arg: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER, why?: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ArgumentError(`${op}: ${arg} must be an integer ${range}${why ? ` (${why})` : ''}, got ${String(value)}`);
  }
  return value;
}

export function requireFinite(op: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ArgumentError(`${op}: ${arg} must be a finite number, got ${String(value)}`);
  return value;
}

/** RMSNorm's epsilon: finite and >= 0 (a negative one can take the root of a negative mean). */
export function requireEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw new ArgumentError(`${op}: eps must be a finite number >= 0, got ${String(eps)}`);
  return eps;
}

/** The product of all dimensions but the last. */
export function rowsOf(t: TensorSpec): number {
  let n = 1;
  for (let i = 0; i < t.shape.length - 1; i++) n *= t.shape[i]!;
  return n;
}

/** The last dimension (the caller checked the rank is at least 1). */
export function lastDim(t: TensorSpec): number {
  return t.shape[t.shape.length - 1]!;
}

/** The typed array each dtype is uploaded as (float16 and bfloat16 as raw bits). */
const UPLOAD_ARRAY: Record<DType, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  bfloat16: 'Uint16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  bool: 'Uint8Array',
  float64: 'Float64Array',
  q4_0: 'Uint8Array',
  q4_1: 'Uint8Array',
  q5_0: 'Uint8Array',
  q5_1: 'Uint8Array',
  q8_0: 'Uint8Array',
  q4_k: 'Uint8Array',
  q5_k: 'Uint8Array',
  q6_k: 'Uint8Array',
};

/** Backend.upload's arguments: a cria dtype, data in that dtype's typed array, and exactly the shape's elements. */
export function checkUploadData(data: unknown, shape: readonly number[], dtype: unknown): DType {
  if (!isDType(dtype)) throw new ArgumentError(`upload: dtype '${String(dtype)}' is not a cria dtype`);
  const expected = UPLOAD_ARRAY[dtype];
  const name = (data as { constructor?: { name?: string } } | null)?.constructor?.name;
  if (!ArrayBuffer.isView(data) || name !== expected) throw new ArgumentError(`upload: data for dtype ${dtype} must be a ${expected}, got ${name ?? typeof data}`);
  const size = dtypeArrayLength(dtype, shape, 'upload: tensor');
  const unit = isQuantDType(dtype) ? 'bytes' : 'elements';
  const length = (data as unknown as { length: number }).length;
  if (length !== size) throw new ArgumentError(`upload: data of ${length} ${unit} does not fill shape [${shape.join(', ')}] ${dtype} (${size} ${unit})`);
  return dtype;
}
