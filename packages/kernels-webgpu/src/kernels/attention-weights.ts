// attentionWeights: the softmax probabilities attention uses, float32 [B, numHeads, S, kvLength]
// (masked and future slots 0; a query with no visible key gets a row of zeros). One workgroup per row.
import type { AttentionShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { attentionParams, attentionPrelude } from './attention-prelude.js';
import { GROUP_INDEX, ROW_THREADS, WORKGROUP_REDUCE, grid } from './wgsl.js';

function source(headDim: number, hasMask: boolean): string {
  return /* wgsl */ `${attentionPrelude(hasMask, 3)}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> kCache: array<f32>;
@group(0) @binding(${hasMask ? 4 : 3}) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
${WORKGROUP_REDUCE}
const HEAD_DIM = ${headDim}u;
const LOWEST = -3.4028234663852886e38;

@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = groupIndex(wid, nwg);
  if (g >= params.batch * params.numHeads * params.seq) { return; }
  let row = attentionRow(g);
  let s = row.s;
  let b = row.b;
  let qBase = row.qBase;
  let cacheBase = row.cacheBase;
  let rowBase = g * params.kvLength;
  let querySlot = params.kvLength - params.seq + s;

  var localMax = LOWEST;
  var localAny = 0.0;
  for (var j = lid; j < params.kvLength; j = j + ${ROW_THREADS}u) {
    var score = 0.0;
    if (j <= querySlot && maskAllows(b, j)) {
      var dot = 0.0;
      for (var d = 0u; d < HEAD_DIM; d = d + 1u) { dot = dot + q[qBase + d] * kCache[cacheBase + j * HEAD_DIM + d]; }
      score = dot * params.scale;
      localMax = max(localMax, score);
      localAny = 1.0;
    }
    out[rowBase + j] = score;
  }
  let rowMax = workgroupMax(localMax, lid);
  let rowAny = workgroupMax(localAny, lid);
  var localSum = 0.0;
  for (var j = lid; j < params.kvLength; j = j + ${ROW_THREADS}u) {
    var p = 0.0;
    if (j <= querySlot && maskAllows(b, j)) { p = exp(out[rowBase + j] - rowMax); }
    out[rowBase + j] = p;
    localSum = localSum + p;
  }
  let total = workgroupSum(localSum, lid);
  for (var j = lid; j < params.kvLength; j = j + ${ROW_THREADS}u) {
    out[rowBase + j] = select(0.0, out[rowBase + j] / total, rowAny > 0.0 && total > 0.0);
  }
}
`;
}

/** On arguments checked by core's checkAttention (its AttentionShape). */
export function attentionWeights(ctx: KernelContext, q: Tensor, kCache: Tensor, mask: Tensor | undefined, shape: AttentionShape): Tensor {
  const out = ctx.output([shape.batch, shape.numHeads, shape.seqLength, shape.kvLength], 'float32');
  const groups = shape.batch * shape.numHeads * shape.seqLength;
  if (groups === 0 || shape.kvLength === 0) return out;
  const hasMask = mask !== undefined;
  const pipeline = ctx.pipeline(`attentionWeights:${shape.headDim}:${hasMask}`, () => source(shape.headDim, hasMask));
  const buffers = [ctx.buffer(q, 'attentionWeights q'), ctx.buffer(kCache, 'attentionWeights kCache')];
  if (mask) buffers.push(ctx.buffer(mask, 'attentionWeights mask'));
  buffers.push(ctx.buffer(out, 'output'));
  ctx.dispatch(pipeline, attentionParams(shape, mask), buffers, grid(groups));
  return out;
}
