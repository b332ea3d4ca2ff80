// RMSNorm: one workgroup per row; out = x / sqrt(mean(x²) + eps) * weight.
import type { Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectRank, expectShape, lastDim } from '../validate.js';
import { GROUP_INDEX, ROW_THREADS, WORKGROUP_REDUCE, type WeightDType, enables, grid, weightBinding } from './wgsl.js';

function source(dtype: WeightDType, shaderF16: boolean): string {
  return /* wgsl */ `${enables([dtype], shaderF16)}
struct Params { rows: u32, cols: u32, eps: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${weightBinding(2, 'w', dtype, shaderF16)}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var sum = 0.0;
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
    let v = x[base + c];
    sum = sum + v * v;
  }
  let total = workgroupSum(sum, lid);
  let inv = 1.0 / sqrt(total / f32(params.cols) + params.eps);
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
    out[base + c] = x[base + c] * inv * load_w(c);
  }
}
`;
}

export function rmsNorm(ctx: KernelContext, x: Tensor, weight: Tensor, eps: number): Tensor {
  expectRank('rmsNorm', 'x', x, 1, true);
  const cols = lastDim(x);
  expectShape('rmsNorm', 'weight', weight, [cols]);
  const out = ctx.output(x.shape, 'float32');
  const rows = cols === 0 ? 0 : x.size / cols;
  if (rows === 0) return out;
  const dtype = weight.dtype as WeightDType;
  const pipeline = ctx.pipeline(`rmsNorm:${dtype}`, () => source(dtype, ctx.shaderF16));
  ctx.dispatch(pipeline, [{ u32: rows }, { u32: cols }, { f32: eps }], [ctx.buffer(x, 'rmsNorm x'), ctx.buffer(weight, 'rmsNorm weight'), ctx.buffer(out, 'output')], grid(rows));
  return out;
}
