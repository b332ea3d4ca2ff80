// Random weights for benchmarks and tests of shapes no checkpoint is at hand for.
import { type DType, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { Mulberry32 } from '../generation/prng.js';
import type { LlamaPreTrainedModel } from '../pretrained-model.js';

export interface RandomWeightsOptions {
  /** dtype of the matrices (vectors stay float32). */
  dtype?: 'float32' | 'float16' | 'bfloat16';
  seed?: number;
  /** Standard deviation of matrix entries (transformers' initializer_range is 0.02). */
  std?: number;
}

/**
 * Fills every parameter of `model` with seeded random values: matrices uniform with the given standard
 * deviation, norm weights 1, biases 0.
 */
export function initRandomWeights(model: LlamaPreTrainedModel, options: RandomWeightsOptions = {}): void {
  const dtype: DType = options.dtype ?? 'float32';
  const rng = new Mulberry32(options.seed ?? 0);
  const halfWidth = (options.std ?? model.config.initializer_range) * Math.sqrt(3);
  const seen = new Set<unknown>();
  for (const [name, param] of model.namedParameters()) {
    if (seen.has(param)) continue;
    seen.add(param);
    const size = param.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (param.kind === 'matrix') {
      for (let i = 0; i < size; i++) values[i] = (rng.next() * 2 - 1) * halfWidth;
      const data = dtype === 'float32' ? values : dtype === 'float16' ? float32ArrayToFloat16(values) : float32ArrayToBfloat16(values);
      param.value = model.backend.upload(data, param.shape, dtype);
    } else {
      if (name.endsWith('norm.weight')) values.fill(1);
      param.value = model.backend.upload(values, param.shape, 'float32');
    }
  }
}
