// How the two topk stages split a row: `lanes` threads per row each keep a sorted list of the best
// `capacity` entries among the columns lane, lane + lanes, lane + 2·lanes, ...; the merge stage takes
// the k best heads of those lists.
/** Threads per workgroup of the first stage. */
export const LANE_GROUP = 64;

/**
 * Lists per row at most, and the threads of the merge workgroup (one per list). More lists mean more
 * parallel first-stage threads but more insertions and a wider merge. A compromise: top-50 over 128256
 * columns on lavapipe (threshold pass included) took ~12 ms with 256 lists, ~7.4 ms with 128 and ~5.2 ms
 * with 64 (a single first-stage workgroup per row, which would leave a GPU idle).
 */
export const MAX_LANES = 128;

export interface TopkPlan {
  /** Lists per row (at most MAX_LANES: the merge stage has one thread per list). */
  readonly lanes: number;
  /** Entries per list: k, or fewer when no lane has k columns (then every list holds all of its columns). */
  readonly capacity: number;
  /** First-stage workgroups per row. */
  readonly groupsPerRow: number;
}

export function topkPlan(cols: number, k: number): TopkPlan {
  const lanes = Math.min(MAX_LANES, cols);
  const capacity = Math.min(k, Math.ceil(cols / lanes));
  return { lanes, capacity, groupsPerRow: Math.ceil(lanes / LANE_GROUP) };
}
