// Stage 1 of topk (see topk-plan.ts): per-thread sorted lists of the best entries of a row.
import { RANK_ORDER } from './rank-order.js';
import { LANE_GROUP } from './topk-plan.js';
import { GROUP_INDEX } from './wgsl.js';

export const TOPK_PARAMS = 'struct Params { rows: u32, cols: u32, k: u32, lanes: u32, capacity: u32, groupsPerRow: u32 }';

// Stage 1: each thread scans its columns in increasing order and insertion-sorts them into its list
// (an entry equal to one already there has a higher index, so it goes after it); unused slots get NONE.
// With `localCapacity`, the list is kept in a function-scope array of that size and copied out at the
// end (capacity <= localCapacity); without, it is sorted in place in the output buffers. With `filtered`,
// entries ranked after the row's threshold (entry k - 1 of thresholdValue/thresholdIndex [rows, k], the
// k-th best of the lanes' maxima: k distinct entries rank at or before it) are skipped unseen.
export function listsSource(localCapacity: number | null, filtered: boolean): string {
  const local = localCapacity !== null;
  const value = (at: string) => (local ? `localValue[${at}]` : `listValue[list + ${at}]`);
  const index = (at: string) => (local ? `localIndex[${at}]` : `listIndex[list + ${at}]`);
  return /* wgsl */ `
${TOPK_PARAMS}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> listValue: array<f32>;
@group(0) @binding(3) var<storage, read_write> listIndex: array<u32>;
${filtered ? `@group(0) @binding(4) var<storage, read> thresholdValue: array<f32>;
@group(0) @binding(5) var<storage, read> thresholdIndex: array<u32>;` : ''}
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
  ${filtered ? `let cutValue = thresholdValue[row * params.k + params.k - 1u];
  let cutIndex = thresholdIndex[row * params.k + params.k - 1u];` : ''}
  var count = 0u;
  var lastValue = 0.0;
  var lastIndex = NONE;
  for (var c = lane; c < params.cols; c = c + params.lanes) {
    let v = x[base + c];
    ${filtered ? 'if (before(cutValue, cutIndex, v, c)) { continue; }' : ''}
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
export const LOCAL_CAPACITY = 64;
