// argmax and topk over the last dimension in two stages (see topk-plan.ts). Order: larger value first,
// NaN above every number, then lower index (rank-order.ts).
import type { RowsShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { LOCAL_CAPACITY, listsSource } from './topk-lists.js';
import { MERGE_SOURCE } from './topk-merge.js';
import { topkPlan } from './topk-plan.js';
import { grid } from './wgsl.js';

/** The k best entries of each row: values float32 [..., k] and indices int32 [..., k] (core's checkTopk; k = 0 gives empty ones). */
export function topk(ctx: KernelContext, x: Tensor, { rows, cols, k, outShape }: RowsShape & { k: number; outShape: readonly number[] }): { values: Tensor; indices: Tensor } {
  const values = ctx.output(outShape, 'float32');
  const indices = ctx.output(outShape, 'int32');
  if (rows === 0 || k === 0) return { values, indices };
  const plan = topkPlan(cols, k);
  const paramsOf = (capacity: number) => [{ u32: rows }, { u32: cols }, { u32: k }, { u32: plan.lanes }, { u32: capacity }, { u32: plan.groupsPerRow }];
  const listGroups = grid(rows * plan.groupsPerRow);
  const lists = (capacity: number, threshold: readonly GPUBuffer[]) => {
    const local = capacity <= LOCAL_CAPACITY;
    const key = `topk-lists${local ? '-local' : ''}${threshold.length > 0 ? '-filtered' : ''}`;
    const pipeline = ctx.pipeline(key, () => listsSource(local ? LOCAL_CAPACITY : null, threshold.length > 0));
    // Scratch from the buffer pool, given back by the caller once its work is recorded: a decode loop allocates nothing.
    const listValue = ctx.output([rows * plan.lanes * capacity], 'float32');
    const listIndex = ctx.output([rows * plan.lanes * capacity], 'int32');
    const buffers = [ctx.buffer(listValue, 'topk lists'), ctx.buffer(listIndex, 'topk lists')];
    ctx.dispatch(pipeline, paramsOf(capacity), [ctx.buffer(x, 'topk x'), ...buffers, ...threshold], listGroups);
    return { scratch: [listValue, listIndex], buffers };
  };
  const merge = (capacity: number, listBuffers: readonly GPUBuffer[], into: { values: Tensor; indices: Tensor }) => {
    ctx.dispatch(ctx.pipeline('topk-merge', () => MERGE_SOURCE), paramsOf(capacity), [...listBuffers, ctx.buffer(into.values, 'output'), ctx.buffer(into.indices, 'output')], grid(rows));
  };
  const scratch: Tensor[] = [];
  let threshold: GPUBuffer[] = [];
  if (k > 1 && k <= plan.lanes && plan.capacity > 1) {
    // A first top-k over the lanes' maxima gives each row a threshold that most entries rank after.
    const maxima = lists(1, []);
    const cut = { values: ctx.output([rows, k], 'float32'), indices: ctx.output([rows, k], 'int32') };
    merge(1, maxima.buffers, cut);
    scratch.push(...maxima.scratch, cut.values, cut.indices);
    threshold = [ctx.buffer(cut.values, 'topk threshold'), ctx.buffer(cut.indices, 'topk threshold')];
  }
  const candidates = lists(plan.capacity, threshold);
  merge(plan.capacity, candidates.buffers, { values, indices });
  for (const tensor of [...scratch, ...candidates.scratch]) tensor.dispose();
  return { values, indices };
}

/** The index of the largest entry of each row (NaN above every number; the first on ties): int32 [...] (core's checkArgmax). */
export function argmax(ctx: KernelContext, x: Tensor, shape: RowsShape): Tensor {
  const { values, indices } = topk(ctx, x, { ...shape, k: 1, outShape: [...x.shape.slice(0, -1), 1] });
  values.dispose();
  const result = indices.view(x.shape.slice(0, -1));
  indices.dispose();
  return result;
}
