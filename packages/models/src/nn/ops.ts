import type { Backend, OpName, Tensor } from '@cria/core';
import type { Linear, RMSNorm } from './module.js';

/**
 * The fused ops the layers use where the backend supports them (else the separate ops, with the same numbers):
 * `withoutOps(backend, FUSED_OPS)` runs a model on the separate ops, for timing one against the other.
 */
export const FUSED_OPS: readonly OpName[] = ['addRmsNorm', 'linearSiluMul', 'linearMany'];

/** x·Wᵀ + b for a Linear module. */
export function linear(backend: Backend, x: Tensor, layer: Linear): Tensor {
  return layer.bias ? backend.linear(x, layer.weight.value, layer.bias.value) : backend.linear(x, layer.weight.value);
}

/**
 * Several Linear modules applied to one x (attention's q, k and v): one linearMany where the backend has it for these
 * dtypes (x read once, one kernel at decode), else one linear each (the same numbers).
 */
export function linearMany(backend: Backend, x: Tensor, layers: readonly Linear[]): Tensor[] {
  const weights = layers.map((layer) => layer.weight.value);
  const withBias = layers.every((layer) => layer.bias !== undefined);
  const biases = withBias ? layers.map((layer) => layer.bias!.value) : [];
  const fusable = withBias || layers.every((layer) => layer.bias === undefined);
  if (fusable && backend.supports('linearMany', [x, ...weights, ...biases])) {
    return backend.linearMany(x, weights, withBias ? biases : undefined);
  }
  return layers.map((layer) => linear(backend, x, layer));
}

/** RMSNorm of x with a norm module's weight and eps. */
export function rmsNorm(backend: Backend, x: Tensor, norm: RMSNorm): Tensor {
  return backend.rmsNorm(x, norm.weight.value, norm.eps);
}

/**
 * A residual add and the norm after it: sum = a + b and normed = norm(sum), in one op where the backend has
 * addRmsNorm for these dtypes (one pass instead of two), else add then rmsNorm (the same numbers).
 */
export function addRmsNorm(backend: Backend, a: Tensor, b: Tensor, norm: RMSNorm): { sum: Tensor; normed: Tensor } {
  const weight = norm.weight.value;
  if (backend.supports('addRmsNorm', [a, b, weight])) return backend.addRmsNorm(a, b, weight, norm.eps);
  const sum = backend.add(a, b);
  return { sum, normed: backend.rmsNorm(sum, weight, norm.eps) };
}

/**
 * The gated MLP's first half: silu(gate(x)) * up(x), in one op where the backend has linearSiluMul for these dtypes
 * (x read once, one kernel instead of three at decode), else linear, linear, siluMul (the same numbers).
 */
export function linearSiluMul(backend: Backend, x: Tensor, gate: Linear, up: Linear): Tensor {
  const inputs = [x, gate.weight.value, up.weight.value];
  if (gate.bias && up.bias) inputs.push(gate.bias.value, up.bias.value);
  const fusable = (gate.bias === undefined) === (up.bias === undefined);
  if (fusable && backend.supports('linearSiluMul', inputs)) {
    const [, gateWeight, upWeight, gateBias, upBias] = inputs as [Tensor, Tensor, Tensor, Tensor?, Tensor?];
    return backend.linearSiluMul(x, gateWeight, upWeight, gateBias, upBias);
  }
  const gated = linear(backend, x, gate);
  const projected = linear(backend, x, up);
  const out = backend.siluMul(gated, projected);
  gated.dispose();
  projected.dispose();
  return out;
}
