// Small helpers for this package's tests.
import { type DType, type Tensor, type TypedArray, hostData } from '@cria/core';
import { CpuBackend } from './cpu-backend.js';

export const cpu = new CpuBackend();

export function f32(values: number[], shape: number[] = [values.length]): Tensor {
  return cpu.upload(Float32Array.from(values), shape, 'float32');
}

export function i32(values: number[], shape: number[] = [values.length]): Tensor {
  return cpu.upload(Int32Array.from(values), shape, 'int32');
}

export function bits(values: number[], shape: number[], dtype: 'float16' | 'bfloat16'): Tensor {
  return cpu.upload(Uint16Array.from(values), shape, dtype);
}

export function upload(data: TypedArray, shape: number[], dtype: DType): Tensor {
  return cpu.upload(data, shape, dtype);
}

/** The values of a cpu tensor as a plain array. */
export function list(t: Tensor): number[] {
  return Array.from(hostData(t) as ArrayLike<number>);
}
