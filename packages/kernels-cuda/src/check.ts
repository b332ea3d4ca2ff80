// Argument checks shared by the CUDA ops: every failure names the op, the argument and what was expected.
import { ArgumentError, type DType, type OpName, Tensor, UnsupportedOpError } from '@cria/core';
import { cudaSupports } from './supports.js';

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless `t` is a live tensor of `owner` (`name` names the argument of `op`). Skips undefined. */
export function requireOwned(owner: object, op: string, name: string, t: Tensor | undefined): void {
  if (t === undefined) return;
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor`);
  if (t.disposed || !t.storage.alive) t.assertAlive(`${op}: ${name}`);
  if (t.owner !== owner) throw new ArgumentError(`${op}: ${name} is on '${t.device}'; expected a tensor of this 'cuda' backend (upload it first)`);
}

/** Throws UnsupportedOpError unless the op runs for these dtypes. */
export function requireSupported(op: OpName, dtypes: readonly DType[]): void {
  if (!cudaSupports(op, dtypes)) throw new UnsupportedOpError('cuda', op, dtypes);
}

export function requireInteger(op: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(`${op}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export function requireFinite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ArgumentError(`${op}: ${name} must be a finite number, got ${String(value)}`);
}

/** `what` describes the expected shape; it is a function so the hot path builds no message. */
export function requireRank(op: string, name: string, t: Tensor, rank: number, what: () => string): void {
  if (t.shape.length !== rank) throw new ArgumentError(`${op}: ${name} must be ${what()}, got ${shapeText(t.shape)}`);
}

/** The last dimension (throws for a scalar). */
export function lastDim(op: string, name: string, t: Tensor): number {
  const n = t.shape[t.shape.length - 1];
  if (n === undefined) throw new ArgumentError(`${op}: ${name} must have at least one dimension, got a scalar`);
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
