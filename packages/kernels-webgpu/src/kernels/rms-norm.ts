// RMSNorm: one workgroup per row; out = x / sqrt(mean(x²) + eps) * weight.
import type { RowsShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { GROUP_INDEX, ROW_THREADS, WORKGROUP_REDUCE, type WeightDType, enables, grid, weightBinding } from './wgsl.js';

/** How a row-RMSNorm shader reads its row and where it writes the normalized values. */
export interface RowRmsNormIo {
  /** WGSL declarations of the storage bindings other than the weight (binding 0 is the uniform Params). */
  bindings: string;
  /** The binding number of the weight `w`. */
  weightSlot: number;
  /** WGSL statements that declare `let v: f32`, the row value at flat index `i` (they may also store it). */
  load: string;
  /** A WGSL f32 expression that gives that value again in the second pass, at flat index `i`. */
  reload: string;
  /** The read_write f32 array the normalized values go to. */
  out: string;
}

/**
 * The WGSL of a one-workgroup-per-row RMSNorm (Params { rows, cols, eps }): each thread sums the squares
 * of its strided share of the row, the workgroup adds the shares, and each thread writes
 * `value * inv * load_w(c)` for its share. rmsNorm and addRmsNorm differ only in `io`, so their
 * normalization is the same code.
 */
export function rowRmsNormSource(dtype: WeightDType, shaderF16: boolean, io: RowRmsNormIo): string {
  return /* wgsl */ `${enables([dtype], shaderF16)}
struct Params { rows: u32, cols: u32, eps: f32 }
@group(0) @binding(0) var<uniform> params: Params;
${io.bindings}
${weightBinding(io.weightSlot, 'w', dtype, shaderF16)}
${GROUP_INDEX}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var squares = 0.0;
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
    let i = base + c;
    ${io.load}
    squares = squares + v * v;
  }
  let total = workgroupSum(squares, lid);
  let inv = 1.0 / sqrt(total / f32(params.cols) + params.eps);
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
    let i = base + c;
    ${io.out}[i] = ${io.reload} * inv * load_w(c);
  }
}
`;
}

const RMS_NORM_IO: RowRmsNormIo = {
  bindings: /* wgsl */ `
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;`,
  weightSlot: 2,
  load: 'let v = x[i];',
  reload: 'x[i]',
  out: 'out',
};

/** On arguments checked by core's checkRmsNorm (its rows and columns). */
export function rmsNorm(ctx: KernelContext, x: Tensor, weight: Tensor, eps: number, { rows, cols }: RowsShape): Tensor {
  const out = ctx.output(x.shape, 'float32');
  if (rows === 0 || cols === 0) return out;
  const dtype = weight.dtype as WeightDType;
  const pipeline = ctx.pipeline(`rmsNorm:${dtype}`, () => rowRmsNormSource(dtype, ctx.shaderF16, RMS_NORM_IO));
  ctx.dispatch(pipeline, [{ u32: rows }, { u32: cols }, { f32: eps }], [ctx.buffer(x, 'rmsNorm x'), ctx.buffer(weight, 'rmsNorm weight'), ctx.buffer(out, 'output')], grid(rows));
  return out;
}
