// argmax and topk over the last dimension in two stages (see topk-plan.ts). Order: larger value first,
// NaN above every number, then lower index (rank-order.ts).
import { ArgumentError, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectInteger, expectRank, lastDim } from '../validate.js';
import { RANK_ORDER } from './rank-order.js';
import { LANE_GROUP, MAX_LANES, topkPlan } from './topk-plan.js';
import { GROUP_INDEX, grid } from './wgsl.js';

const PARAMS = 'struct Params { rows: u32, cols: u32, k: u32, lanes: u32, capacity: u32, groupsPerRow: u32 }';

// Stage 1: each thread scans its columns in increasing order and insertion-sorts them into its list
// (an entry equal to one already there has a higher index, so it goes after it); unused slots get NONE.
// With `localCapacity`, the list is kept in a function-scope array of that size and copied out at the
// end (capacity <= localCapacity); without, it is sorted in place in the output buffers.
function listsSource(localCapacity: number | null): string {
  const local = localCapacity !== null;
  const value = (at: string) => (local ? `localValue[${at}]` : `listValue[list + ${at}]`);
  const index = (at: string) => (local ? `localIndex[${at}]` : `listIndex[list + ${at}]`);
  return /* wgsl */ `
${PARAMS}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> listValue: array<f32>;
@group(0) @binding(3) var<storage, read_write> listIndex: array<u32>;
${GROUP_INDEX}
${RANK_ORDER}

@compute @workgroup_size(${LANE_GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = groupIndex(wid, nwg);
  let row = group / params.groupsPerRow;
  let lane = (group % params.groupsPerRow) * ${LANE_GROUP}u + lid;
  if (row >= params.rows || lane >= params.lanes) { return; }
  let base = row * params.cols;
  let list = (row * params.lanes + lane) * params.capacity;
  let last = params.capacity - 1u;
  ${local ? `var localValue: array<f32, ${localCapacity}>;
  var localIndex: array<u32, ${localCapacity}>;` : ''}
  var count = 0u;
  var lastValue = 0.0;
  var lastIndex = NONE;
  for (var c = lane; c < params.cols; c = c + params.lanes) {
    let v = x[base + c];
    var at = count;
    if (count == params.capacity) {
      if (!before(v, c, lastValue, lastIndex)) { continue; }
      at = last;
    } else {
      count = count + 1u;
    }
    while (at > 0u && before(v, c, ${value('at - 1u')}, ${index('at - 1u')})) {
      ${value('at')} = ${value('at - 1u')};
      ${index('at')} = ${index('at - 1u')};
      at = at - 1u;
    }
    ${value('at')} = v;
    ${index('at')} = c;
    if (count == params.capacity) {
      lastValue = ${value('last')};
      lastIndex = ${index('last')};
    }
  }
  ${local ? `for (var j = 0u; j < count; j = j + 1u) {
    listValue[list + j] = localValue[j];
    listIndex[list + j] = localIndex[j];
  }` : ''}
  for (var j = count; j < params.capacity; j = j + 1u) { listIndex[list + j] = NONE; }
}
`;
}

/** Lists up to this long are sorted in function-scope arrays; longer ones in place in the scratch buffers. */
const LOCAL_CAPACITY = 64;

// Stage 2, one workgroup per row: k rounds, each picking the best list head; the list that held it
// (lane = index mod lanes) moves on to its next entry.
const MERGE_SOURCE = /* wgsl */ `
${PARAMS}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> listValue: array<f32>;
@group(0) @binding(2) var<storage, read> listIndex: array<u32>;
@group(0) @binding(3) var<storage, read_write> values: array<f32>;
@group(0) @binding(4) var<storage, read_write> indices: array<i32>;
${GROUP_INDEX}
${RANK_ORDER}
var<workgroup> bestValue: array<f32, ${MAX_LANES}>;
var<workgroup> bestIndex: array<u32, ${MAX_LANES}>;

@compute @workgroup_size(${MAX_LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= params.rows) { return; }
  let list = (row * params.lanes + lid) * params.capacity;
  var next = 0u;
  for (var pick = 0u; pick < params.k; pick = pick + 1u) {
    var headValue = 0.0;
    var headIndex = NONE;
    if (lid < params.lanes && next < params.capacity) {
      headValue = listValue[list + next];
      headIndex = listIndex[list + next];
    }
    bestValue[lid] = headValue;
    bestIndex[lid] = headIndex;
    workgroupBarrier();
    for (var stride = ${MAX_LANES / 2}u; stride > 0u; stride = stride >> 1u) {
      if (lid < stride && before(bestValue[lid + stride], bestIndex[lid + stride], bestValue[lid], bestIndex[lid])) {
        bestValue[lid] = bestValue[lid + stride];
        bestIndex[lid] = bestIndex[lid + stride];
      }
      workgroupBarrier();
    }
    let pickedValue = bestValue[0];
    let pickedIndex = bestIndex[0];
    workgroupBarrier();
    if (pickedIndex % params.lanes == lid) { next = next + 1u; }
    if (lid == 0u) {
      values[row * params.k + pick] = pickedValue;
      indices[row * params.k + pick] = i32(pickedIndex);
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
  if (rows === 0) return { values, indices };
  const plan = topkPlan(cols, k);
  const params = [{ u32: rows }, { u32: cols }, { u32: k }, { u32: plan.lanes }, { u32: plan.capacity }, { u32: plan.groupsPerRow }];
  // Scratch from the buffer pool, given back once both stages are recorded: a decode loop allocates nothing.
  const listValue = ctx.output([rows * plan.lanes * plan.capacity], 'float32');
  const listIndex = ctx.output([rows * plan.lanes * plan.capacity], 'int32');
  const listBuffers = [ctx.buffer(listValue, 'topk lists'), ctx.buffer(listIndex, 'topk lists')];
  const local = plan.capacity <= LOCAL_CAPACITY;
  ctx.dispatch(ctx.pipeline(local ? 'topk-lists-local' : 'topk-lists', () => listsSource(local ? LOCAL_CAPACITY : null)), params, [ctx.buffer(x, 'topk x'), ...listBuffers], grid(rows * plan.groupsPerRow));
  ctx.dispatch(ctx.pipeline('topk-merge', () => MERGE_SOURCE), params, [...listBuffers, ctx.buffer(values, 'output'), ctx.buffer(indices, 'output')], grid(rows));
  listValue.dispose();
  listIndex.dispose();
  return { values, indices };
}

/** The index of the largest entry of each row (NaN above every number; the first on ties): int32 [...]. */
export function argmax(ctx: KernelContext, x: Tensor): Tensor {
  expectRank('argmax', 'x', x, 1, true);
  if (lastDim(x) === 0) throw new ArgumentError(`argmax: x [${x.shape.join(', ')}] has an empty last dimension`);
  const { values, indices } = topk(ctx, x, 1);
  values.dispose();
  const result = indices.view(x.shape.slice(0, -1));
  indices.dispose();
  return result;
}
