// Test helper (not exported by the package): a weight uploaded in its dtype, with the float32 values it holds.
import { type DType, type Tensor, bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import type { WebGpuBackend } from '../backend.js';

/** Uploads float32 `values` as a `dtype` weight of `shape`; `widened` is what the weight holds after rounding to that dtype. */
export function uploadWeight(gpu: WebGpuBackend, values: Float32Array, shape: readonly number[], dtype: DType): { tensor: Tensor; widened: Float32Array } {
  if (dtype === 'float16') {
    const bits = float32ArrayToFloat16(values);
    return { tensor: gpu.upload(bits, shape, 'float16'), widened: float16ArrayToFloat32(bits) };
  }
  if (dtype === 'bfloat16') {
    const bits = float32ArrayToBfloat16(values);
    return { tensor: gpu.upload(bits, shape, 'bfloat16'), widened: bfloat16ArrayToFloat32(bits) };
  }
  if (dtype === 'float32') return { tensor: gpu.upload(values, shape, 'float32'), widened: values };
  throw new Error(`uploadWeight: dtype must be float32, float16 or bfloat16, got ${dtype}`);
}
