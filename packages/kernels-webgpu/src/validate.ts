import { ArgumentError, type DType, type Tensor } from '@cria/core';

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Throws unless `tensor` has rank `rank` (or at least `rank` when `atLeast`). */
export function expectRank(op: string, what: string, tensor: Tensor, rank: number, atLeast = false): void {
  const ok = atLeast ? tensor.shape.length >= rank : tensor.shape.length === rank;
  if (!ok) throw new ArgumentError(`${op}: ${what} must have ${atLeast ? 'at least ' : ''}${rank} dimensions, got ${show(tensor.shape)}`);
}

/** Throws unless `tensor` has exactly this shape. */
export function expectShape(op: string, what: string, tensor: Tensor, shape: readonly number[]): void {
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new ArgumentError(`${op}: ${what} must have shape ${show(shape)}, got ${show(tensor.shape)}`);
  }
}

/** The last dimension (1 for a scalar). */
export function lastDim(tensor: Tensor): number {
  return tensor.shape.length === 0 ? 1 : tensor.shape[tensor.shape.length - 1]!;
}

/** Throws unless `value` is an integer in [min, max]. */
export function expectInteger(op: string, what: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(`${op}: ${what} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export function expectDType(op: string, what: string, tensor: Tensor, dtypes: readonly DType[]): void {
  if (!dtypes.includes(tensor.dtype)) throw new ArgumentError(`${op}: ${what} must be ${dtypes.join(' or ')}, got ${tensor.dtype}`);
}
