// The shape rules of linear, linearSiluMul and linearMany; each returns the sizes its kernels need.
import type { Tensor } from '../tensor.js';
import { ArgumentError } from '../errors.js';
import { requireDim, requireMinRank, requireRank, requireSameShape, rowsOf } from './args.js';
import type { TensorSpec } from './spec.js';

/** x [rows..., K] · weight [M, K]ᵀ -> [rows..., M]. */
export interface LinearShape {
  rows: number;
  k: number;
  m: number;
  outShape: number[];
}

/** x [..., K], a weight [M, K] and its optional bias [M] (rank 1: a [1, M] bias is refused). */
export function checkLinear(op: string, x: TensorSpec, weight: TensorSpec, bias?: TensorSpec, names: readonly [string, string] = ['weight', 'bias']): LinearShape {
  const [weightName, biasName] = names;
  requireMinRank(op, 'x', x, 1);
  requireRank(op, weightName, weight, 2, '[out_features, in_features]');
  const [m, k] = weight.shape as [number, number];
  requireDim(op, 'x', x, -1, k, `${weightName}'s in_features, ${weightName}.shape[1]`);
  if (bias) {
    requireRank(op, biasName, bias, 1, '[out_features]');
    requireDim(op, biasName, bias, 0, m, `${weightName}'s out_features, ${weightName}.shape[0]`);
  }
  return { rows: rowsOf(x), k, m, outShape: [...x.shape.slice(0, -1), m] };
}

/** linearSiluMul's inputs by name, once gateBias and upBias were found both given or both left out. */
export function linearSiluMulInputs(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Record<string, Tensor> {
  if ((gateBias == null) !== (upBias == null)) {
    throw new ArgumentError(`linearSiluMul: gateBias and upBias must be given together, got ${gateBias == null ? 'upBias alone' : 'gateBias alone'}`);
  }
  return gateBias == null || upBias == null ? { x, gate, up } : { x, gate, up, gateBias, upBias };
}

/** gate and up [M, K] of one shape, x [..., K], the biases [M]. */
export function checkLinearSiluMul(x: TensorSpec, gate: TensorSpec, up: TensorSpec, gateBias?: TensorSpec, upBias?: TensorSpec): LinearShape {
  const shape = checkLinear('linearSiluMul', x, gate, gateBias, ['gate', 'gateBias']);
  requireSameShape('linearSiluMul', 'gate', gate, 'up', up);
  checkLinear('linearSiluMul', x, up, upBias, ['up', 'upBias']);
  return shape;
}

/** linearMany's inputs by name (x, weights[i], biases[i]), once the lists were found well formed. */
export function linearManyInputs(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Record<string, Tensor> {
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new ArgumentError(`linearMany: weights must be a non-empty array of tensors, got ${Array.isArray(weights) ? 'an empty array' : typeof weights}`);
  }
  if (biases !== undefined && (!Array.isArray(biases) || biases.length !== weights.length)) {
    throw new ArgumentError(`linearMany: biases must hold one tensor for each of the ${weights.length} weights, or be left out, got ${Array.isArray(biases) ? biases.length : typeof biases}`);
  }
  const inputs: Record<string, Tensor> = { x };
  weights.forEach((w, i) => (inputs[`weights[${i}]`] = w));
  biases?.forEach((b, i) => (inputs[`biases[${i}]`] = b));
  return inputs;
}

/** Every weight [M_i, K] against x [..., K], each bias [M_i]: the rows, K and each M_i. */
export function checkLinearMany(x: TensorSpec, weights: readonly TensorSpec[], biases?: readonly TensorSpec[]): { rows: number; k: number; ms: number[]; outShapes: number[][] } {
  const shapes = weights.map((w, i) => checkLinear('linearMany', x, w, biases?.[i], [`weights[${i}]`, `biases[${i}]`]));
  return { rows: shapes[0]!.rows, k: shapes[0]!.k, ms: shapes.map((s) => s.m), outShapes: shapes.map((s) => s.outShape) };
}
