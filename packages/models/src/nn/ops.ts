import type { Backend, Tensor } from '@cria/core';
import type { Linear, RMSNorm } from './module.js';

/** x·Wᵀ + b for a Linear module. */
export function linear(backend: Backend, x: Tensor, layer: Linear): Tensor {
  return layer.bias ? backend.linear(x, layer.weight.value, layer.bias.value) : backend.linear(x, layer.weight.value);
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
  if (backend.supports('addRmsNorm', [a.dtype, b.dtype, weight.dtype])) return backend.addRmsNorm(a, b, weight, norm.eps);
  const sum = backend.add(a, b);
  return { sum, normed: backend.rmsNorm(sum, weight, norm.eps) };
}
