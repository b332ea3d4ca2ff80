// addRmsNorm: the residual add and the RMSNorm after it in one dispatch, one workgroup per row.
// sum = a + b (float32) is written in the first pass; the second pass normalizes it as rmsNorm does.
import type { RowsShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { type RowRmsNormIo, rowRmsNormSource } from './rms-norm.js';
import { type WeightDType, grid } from './wgsl.js';

const ADD_RMS_NORM_IO: RowRmsNormIo = {
  bindings: /* wgsl */ `
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> sum: array<f32>;
@group(0) @binding(5) var<storage, read_write> normed: array<f32>;`,
  weightSlot: 3,
  // Each thread re-reads in the second pass only the sums it wrote itself in the first.
  load: 'let v = a[i] + b[i];\n    sum[i] = v;',
  reload: 'sum[i]',
  out: 'normed',
};

/** sum = a + b and normed = rmsNorm(sum, weight, eps), on arguments checked by core's checkAddRmsNorm (its rows and columns). */
export function addRmsNorm(ctx: KernelContext, a: Tensor, b: Tensor, weight: Tensor, eps: number, { rows, cols }: RowsShape): { sum: Tensor; normed: Tensor } {
  const inputs = [ctx.buffer(a, 'addRmsNorm a'), ctx.buffer(b, 'addRmsNorm b'), ctx.buffer(weight, 'addRmsNorm weight')];
  const sum = ctx.output(a.shape, 'float32');
  let normed: Tensor;
  try {
    normed = ctx.output(a.shape, 'float32');
  } catch (error) {
    sum.dispose();
    throw error;
  }
  if (rows === 0 || cols === 0) return { sum, normed };
  const dtype = weight.dtype as WeightDType;
  const pipeline = ctx.pipeline(`addRmsNorm:${dtype}`, () => rowRmsNormSource(dtype, ctx.shaderF16, ADD_RMS_NORM_IO));
  ctx.dispatch(pipeline, [{ u32: rows }, { u32: cols }, { f32: eps }], [...inputs, ctx.buffer(sum, 'output sum'), ctx.buffer(normed, 'output normed')], grid(rows));
  return { sum, normed };
}
