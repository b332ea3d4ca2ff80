// The uniform parameters and the WGSL prelude shared by attention and attentionWeights (the arguments are checked by
// core's checkAttention, whose AttentionShape these read).
import type { AttentionShape, Tensor } from '@cria/core';
import type { ParamField } from '../command-batch.js';

/** The uniform parameters, in the order of the kernels' `Params` struct (a mask is [batch, kvLength]). */
export function attentionParams(shape: AttentionShape, mask: Tensor | undefined): ParamField[] {
  return [
    { u32: shape.batch },
    { u32: shape.seqLength },
    { u32: shape.numHeads },
    { u32: shape.numKvHeads },
    { u32: shape.maxLength },
    { u32: shape.kvLength },
    { f32: shape.scale },
    { u32: mask ? shape.kvLength : 0 },
    { u32: mask?.dtype === 'float32' ? 1 : 0 },
  ];
}

/**
 * WGSL: the Params struct, the mask test and `attentionRow`, the indexes of a workgroup's query (`hasMask`
 * decides whether a mask binding exists; the kernel defines HEAD_DIM).
 */
export function attentionPrelude(hasMask: boolean, maskBinding: number): string {
  return /* wgsl */ `
struct Params { batch: u32, seq: u32, numHeads: u32, numKvHeads: u32, maxLength: u32, kvLength: u32, scale: f32, maskStride: u32, maskIsFloat: u32 }
@group(0) @binding(0) var<uniform> params: Params;
${hasMask ? `@group(0) @binding(${maskBinding}) var<storage, read> mask: array<u32>;` : ''}
fn maskAllows(b: u32, j: u32) -> bool {
  ${hasMask ? `let bits = mask[b * params.maskStride + j];
  return select(bits != 0u, (bits & 0x7fffffffu) != 0u, params.maskIsFloat == 1u);` : 'return true;'}
}
// Query s of head h in batch row b (workgroup g, heads of a query together): where its q row starts and
// where the cache of its kv head (h / (numHeads / numKvHeads), as repeat_kv) starts. Needs HEAD_DIM.
struct AttentionRow { b: u32, s: u32, qBase: u32, cacheBase: u32 }
fn attentionRow(g: u32) -> AttentionRow {
  let s = g % params.seq;
  let h = (g / params.seq) % params.numHeads;
  let b = g / (params.seq * params.numHeads);
  let kvh = h / (params.numHeads / params.numKvHeads);
  let qBase = ((b * params.seq + s) * params.numHeads + h) * HEAD_DIM;
  let cacheBase = (b * params.numKvHeads + kvh) * params.maxLength * HEAD_DIM;
  return AttentionRow(b, s, qBase, cacheBase);
}
`;
}
