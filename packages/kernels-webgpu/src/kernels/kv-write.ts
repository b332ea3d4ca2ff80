// KV-cache write: src [B, S, numKvHeads * headDim] into cache [B, numKvHeads, maxLength, headDim] at slots offset .. offset+S-1.
import type { KvWriteShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { ELEMENT_THREADS, GROUP_INDEX, grid } from './wgsl.js';

const SOURCE = /* wgsl */ `
struct Params { count: u32, seq: u32, numKvHeads: u32, headDim: u32, maxLength: u32, offset: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> cache: array<f32>;
${GROUP_INDEX}
@compute @workgroup_size(${ELEMENT_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * ${ELEMENT_THREADS}u + lid;
  if (i >= params.count) { return; }
  let d = i % params.headDim;
  let head = (i / params.headDim) % params.numKvHeads;
  let token = i / (params.headDim * params.numKvHeads);
  let s = token % params.seq;
  let b = token / params.seq;
  cache[((b * params.numKvHeads + head) * params.maxLength + params.offset + s) * params.headDim + d] = src[i];
}
`;

/** On arguments checked by core's checkKvWrite (its sizes). */
export function kvWrite(ctx: KernelContext, cache: Tensor, src: Tensor, { seqLength: seq, numKvHeads, headDim, maxLength, offset }: KvWriteShape): void {
  if (src.size === 0) return;
  ctx.dispatch(
    ctx.pipeline('kvWrite', () => SOURCE),
    [{ u32: src.size }, { u32: seq }, { u32: numKvHeads }, { u32: headDim }, { u32: maxLength }, { u32: offset }],
    [ctx.buffer(src, 'kvWrite src'), ctx.buffer(cache, 'kvWrite cache')],
    grid(Math.ceil(src.size / ELEMENT_THREADS)),
  );
}
