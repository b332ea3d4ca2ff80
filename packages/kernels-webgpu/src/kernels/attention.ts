// Fused causal attention over the KV cache: one workgroup per (batch, head, query). Keys are visited in
// tiles of THREADS with an online softmax (running max and sum), so no score matrix is built.
import type { AttentionShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { attentionParams, attentionPrelude } from './attention-prelude.js';
import { GROUP_INDEX, grid, workgroupReduce } from './wgsl.js';

const THREADS = 64;

function source(headDim: number, hasMask: boolean): string {
  const perThread = Math.ceil(headDim / THREADS);
  return /* wgsl */ `${attentionPrelude(hasMask, 4)}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> kCache: array<f32>;
@group(0) @binding(3) var<storage, read> vCache: array<f32>;
@group(0) @binding(${hasMask ? 5 : 4}) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
const HEAD_DIM = ${headDim}u;
const LOWEST = -3.4028234663852886e38;
var<workgroup> qs: array<f32, ${headDim}>;
var<workgroup> probs: array<f32, ${THREADS}>;
${workgroupReduce(THREADS)}
@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = groupIndex(wid, nwg);
  if (g >= params.batch * params.numHeads * params.seq) { return; }
  let row = attentionRow(g);
  let s = row.s;
  let b = row.b;
  let qBase = row.qBase;
  let cacheBase = row.cacheBase;
  for (var d = lid; d < HEAD_DIM; d = d + ${THREADS}u) { qs[d] = q[qBase + d]; }
  workgroupBarrier();

  let end = params.kvLength - params.seq + s + 1u; // keys 0 .. query slot
  var runMax = LOWEST;
  var runSum = 0.0;
  var acc: array<f32, ${perThread}>;
  for (var t0 = 0u; t0 < end; t0 = t0 + ${THREADS}u) {
    let j = t0 + lid;
    var visible = false;
    var score = LOWEST;
    if (j < end) {
      visible = maskAllows(b, j);
      if (visible) {
        var dot = 0.0;
        let kBase = cacheBase + j * HEAD_DIM;
        for (var d = 0u; d < HEAD_DIM; d = d + 1u) { dot = dot + qs[d] * kCache[kBase + d]; }
        score = dot * params.scale;
      }
    }
    let anyVisible = workgroupMax(select(0.0, 1.0, visible), lid) > 0.0;
    let newMax = max(runMax, workgroupMax(score, lid));
    let correction = select(1.0, exp(runMax - newMax), runSum > 0.0);
    let p = select(0.0, exp(score - newMax), visible);
    probs[lid] = p;
    let tileTotal = workgroupSum(p, lid);
    if (anyVisible) {
      runSum = runSum * correction + tileTotal;
      runMax = newMax;
      let count = min(${THREADS}u, end - t0);
      for (var e = 0u; e < ${perThread}u; e = e + 1u) {
        let d = lid + e * ${THREADS}u;
        if (d < HEAD_DIM) {
          var sum = acc[e] * correction;
          for (var t = 0u; t < count; t = t + 1u) {
            sum = sum + probs[t] * vCache[cacheBase + (t0 + t) * HEAD_DIM + d];
          }
          acc[e] = sum;
        }
      }
    }
    workgroupBarrier();
  }
  for (var e = 0u; e < ${perThread}u; e = e + 1u) {
    let d = lid + e * ${THREADS}u;
    if (d < HEAD_DIM) {
      out[qBase + d] = select(0.0, acc[e] / runSum, runSum > 0.0);
    }
  }
}
`;
}

/** On arguments checked by core's checkAttention (its AttentionShape). */
export function attention(ctx: KernelContext, q: Tensor, kCache: Tensor, vCache: Tensor, mask: Tensor | undefined, shape: AttentionShape): Tensor {
  const out = ctx.output(q.shape, 'float32');
  const groups = shape.batch * shape.numHeads * shape.seqLength;
  if (groups === 0) return out;
  const hasMask = mask !== undefined;
  const pipeline = ctx.pipeline(`attention:${shape.headDim}:${hasMask}`, () => source(shape.headDim, hasMask));
  const buffers = [ctx.buffer(q, 'attention q'), ctx.buffer(kCache, 'attention kCache'), ctx.buffer(vCache, 'attention vCache')];
  if (mask) buffers.push(ctx.buffer(mask, 'attention mask'));
  buffers.push(ctx.buffer(out, 'output'));
  ctx.dispatch(pipeline, attentionParams(shape, mask), buffers, grid(groups));
  return out;
}
