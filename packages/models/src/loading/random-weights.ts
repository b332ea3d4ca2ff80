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

const POOL_SIZE = 1 << 20;
const CHUNK = 4096;

/**
 * Fills every parameter of `model` with seeded random values: matrices uniform with the given standard
 * deviation, norm weights 1, biases 0. For speed on multi-billion-parameter shapes, matrices are filled
 * with chunks of 4096 values copied from a pool of 2^20 random values (already in the target dtype)
 * at random offsets: the numbers are only for benchmarks.
 */
export function initRandomWeights(model: LlamaPreTrainedModel, options: RandomWeightsOptions = {}): void {
  const dtype: DType = options.dtype ?? 'float32';
  const rng = new Mulberry32(options.seed ?? 0);
  const halfWidth = (options.std ?? model.config.initializer_range) * Math.sqrt(3);
  const poolValues = new Float32Array(POOL_SIZE + CHUNK);
  for (let i = 0; i < poolValues.length; i++) poolValues[i] = (rng.next() * 2 - 1) * halfWidth;
  const pool = dtype === 'float32' ? poolValues : dtype === 'float16' ? float32ArrayToFloat16(poolValues) : float32ArrayToBfloat16(poolValues);
  const seen = new Set<unknown>();
  for (const [name, param] of model.namedParameters()) {
    if (seen.has(param)) continue;
    seen.add(param);
    const size = param.shape.reduce((a, b) => a * b, 1);
    if (param.kind === 'matrix') {
      const data = dtype === 'float32' ? new Float32Array(size) : new Uint16Array(size);
      for (let i = 0; i < size; i += CHUNK) {
        const offset = Math.floor(rng.next() * POOL_SIZE);
        const n = Math.min(CHUNK, size - i);
        data.set(pool.subarray(offset, offset + n) as never, i);
      }
      param.value = model.backend.upload(data, param.shape, dtype);
    } else {
      const values = new Float32Array(size);
      if (name.endsWith('norm.weight')) values.fill(1);
      param.value = model.backend.upload(values, param.shape, 'float32');
    }
  }
}
