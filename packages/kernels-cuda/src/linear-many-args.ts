// linearMany's argument checks: every failure names the argument (weights[i], biases[i], x) and what was expected.
import { ArgumentError, type DType, type Tensor } from '@cria/core';
import { lastDim, requireOwned, requireRank, requireSupported, shapeText } from './check.js';

/** What the checks found: in_features, each weight's out_features, the weights' dtype. */
export interface LinearManyShape {
  k: number;
  ms: number[];
  weightDtype: DType;
}

/** Checks linearMany(x, weights, biases) against the backend `owner`; nothing is allocated or launched. */
export function checkLinearMany(owner: object, x: Tensor, weights: readonly Tensor[], biases: readonly Tensor[] | undefined): LinearManyShape {
  const op = 'linearMany';
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new ArgumentError(`linearMany: weights must be a non-empty array of tensors, got ${Array.isArray(weights) ? 'an empty array' : typeof weights}`);
  }
  if (biases !== undefined && (!Array.isArray(biases) || biases.length !== weights.length)) {
    const got = Array.isArray(biases) ? `${biases.length}` : typeof biases;
    throw new ArgumentError(`linearMany: biases must hold one tensor for each of the ${weights.length} weights, or be left out; got ${got}`);
  }
  requireOwned(owner, op, 'x', x);
  weights.forEach((w, i) => requireOwned(owner, op, `weights[${i}]`, w));
  biases?.forEach((b, i) => requireOwned(owner, op, `biases[${i}]`, b));
  const first = weights[0]!;
  requireRank(op, 'weights[0]', first, 2, () => '[outFeatures, inFeatures]');
  const k = first.shape[1]!;
  const ms = weights.map((w, i) => {
    if (w.dtype !== first.dtype) throw new ArgumentError(`linearMany: weights[${i}] is ${w.dtype}; every weight must have weights[0]'s dtype (${first.dtype})`);
    requireRank(op, `weights[${i}]`, w, 2, () => '[outFeatures, inFeatures]');
    if (w.shape[1] !== k) throw new ArgumentError(`linearMany: weights[${i}] ${shapeText(w.shape)} must have weights[0]'s in_features (${k})`);
    return w.shape[0]!;
  });
  const xk = lastDim(op, 'x', x);
  if (xk !== k) throw new ArgumentError(`linearMany: x's last dimension (${xk}) must equal the weights' in_features (${k}); x ${shapeText(x.shape)}, weights[0] ${shapeText(first.shape)}`);
  biases?.forEach((b, i) => {
    if (b.dtype !== biases[0]!.dtype) throw new ArgumentError(`linearMany: biases[${i}] is ${b.dtype}; every bias must have biases[0]'s dtype (${biases[0]!.dtype})`);
    if (b.size !== ms[i]) throw new ArgumentError(`linearMany: biases[${i}] must hold ${ms[i]} elements (weights[${i}]'s out_features), got ${shapeText(b.shape)}`);
  });
  requireSupported(op, [x.dtype, ...weights.map((w) => w.dtype), ...(biases ?? []).map((b) => b.dtype)]);
  return { k, ms, weightDtype: first.dtype };
}
