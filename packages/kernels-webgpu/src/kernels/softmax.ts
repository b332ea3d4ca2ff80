// Softmax over the last dimension: one workgroup per row.
import type { RowsShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { GROUP_INDEX, ROW_THREADS, WORKGROUP_REDUCE, grid } from './wgsl.js';

const SOURCE = /* wgsl */ `
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
${WORKGROUP_REDUCE}
@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var m = -3.4028234663852886e38;
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) { m = max(m, x[base + c]); }
  let rowMax = workgroupMax(m, lid);
  var sum = 0.0;
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
    let e = exp(x[base + c] - rowMax);
    out[base + c] = e;
    sum = sum + e;
  }
  let total = workgroupSum(sum, lid);
  for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) { out[base + c] = out[base + c] / total; }
}
`;

/** On arguments checked by core's checkRows. */
export function softmax(ctx: KernelContext, x: Tensor, { rows, cols }: RowsShape): Tensor {
  const out = ctx.output(x.shape, 'float32');
  if (rows === 0 || cols === 0) return out;
  ctx.dispatch(ctx.pipeline('softmax', () => SOURCE), [{ u32: rows }, { u32: cols }], [ctx.buffer(x, 'softmax x'), ctx.buffer(out, 'output')], grid(rows));
  return out;
}
