// Stage 2 of topk (see topk-plan.ts): the k best heads of a row's sorted lists, in order.
import { RANK_ORDER } from './rank-order.js';
import { TOPK_PARAMS } from './topk-lists.js';
import { MAX_LANES } from './topk-plan.js';
import { GROUP_INDEX } from './wgsl.js';

// Stage 2, one workgroup per row: k rounds, each picking the best list head; the list that held it
// (lane = index mod lanes) moves on to its next entry.
export const MERGE_SOURCE = /* wgsl */ `
${TOPK_PARAMS}
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
