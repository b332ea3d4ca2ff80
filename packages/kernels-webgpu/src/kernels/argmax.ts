// argmax and topk over the last dimension, one workgroup per row. Order: larger value first, then lower index.
import { ArgumentError, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectInteger, expectRank, lastDim } from '../validate.js';
import { GROUP_INDEX, ROW_THREADS, grid } from './wgsl.js';

// Each pass finds the best element ranked after the previous pick (value lower, or equal with a higher
// index), so k passes give the top k in order without sorting or scratch memory. argmax is one pass.
const SOURCE = /* wgsl */ `
struct Params { rows: u32, cols: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;
${GROUP_INDEX}
var<workgroup> bestValue: array<f32, ${ROW_THREADS}>;
var<workgroup> bestIndex: array<u32, ${ROW_THREADS}>;

const NONE = 0xffffffffu;

// Whether (v, i) ranks before (bv, bi): larger value, or the same value and a lower index. NONE ranks last.
fn before(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  if (i == NONE) { return false; }
  if (bi == NONE) { return true; }
  return v > bv || (v == bv && i < bi);
}

@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var prevValue = 0.0;
  var prevIndex = NONE;
  for (var pick = 0u; pick < params.k; pick = pick + 1u) {
    var bv = 0.0;
    var bi = NONE;
    for (var c = lid; c < params.cols; c = c + ${ROW_THREADS}u) {
      let v = x[base + c];
      let eligible = prevIndex == NONE || before(prevValue, prevIndex, v, c);
      if (eligible && before(v, c, bv, bi)) { bv = v; bi = c; }
    }
    bestValue[lid] = bv;
    bestIndex[lid] = bi;
    workgroupBarrier();
    for (var stride = ${ROW_THREADS / 2}u; stride > 0u; stride = stride >> 1u) {
      if (lid < stride && before(bestValue[lid + stride], bestIndex[lid + stride], bestValue[lid], bestIndex[lid])) {
        bestValue[lid] = bestValue[lid + stride];
        bestIndex[lid] = bestIndex[lid + stride];
      }
      workgroupBarrier();
    }
    prevValue = bestValue[0];
    prevIndex = bestIndex[0];
    workgroupBarrier();
    if (lid == 0u) {
      values[row * params.k + pick] = prevValue;
      indices[row * params.k + pick] = i32(prevIndex);
    }
  }
}
`;

/** The k best entries of each row: values float32 [..., k] and indices int32 [..., k]. */
export function topk(ctx: KernelContext, x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  expectRank('topk', 'x', x, 1, true);
  const cols = lastDim(x);
  expectInteger('topk', 'k', k, 1, cols);
  const rows = x.size / cols;
  const outShape = [...x.shape.slice(0, -1), k];
  const values = ctx.output(outShape, 'float32');
  const indices = ctx.output(outShape, 'int32');
  if (rows > 0) {
    ctx.dispatch(ctx.pipeline('topk', () => SOURCE), [{ u32: rows }, { u32: cols }, { u32: k }], [ctx.buffer(x, 'topk x'), ctx.buffer(values, 'output'), ctx.buffer(indices, 'output')], grid(rows));
  }
  return { values, indices };
}

/** The index of the largest entry of each row (the first on ties): int32 [...]. */
export function argmax(ctx: KernelContext, x: Tensor): Tensor {
  expectRank('argmax', 'x', x, 1, true);
  if (lastDim(x) === 0) throw new ArgumentError(`argmax: x [${x.shape.join(', ')}] has an empty last dimension`);
  const { values, indices } = topk(ctx, x, 1);
  values.dispose();
  const result = indices.view(x.shape.slice(0, -1));
  indices.dispose();
  return result;
}
