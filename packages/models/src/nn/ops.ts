import type { Backend, Tensor } from '@cria/core';
import type { Linear } from './module.js';

/** x·Wᵀ + b for a Linear module. */
export function linear(backend: Backend, x: Tensor, layer: Linear): Tensor {
  return layer.bias ? backend.linear(x, layer.weight.value, layer.bias.value) : backend.linear(x, layer.weight.value);
}
