// Validation and uniform parameters shared by attention and attentionWeights.
import { ArgumentError, type AttentionOptions, type Tensor } from '@cria/core';
import type { ParamField } from '../command-batch.js';
import { expectInteger, expectRank, expectShape, lastDim } from '../validate.js';

export interface AttentionShape {
  batch: number;
  seq: number;
  maxLength: number;
  maskStride: number;
}

/** Checks q, the cache(s) and the mask against the options; returns the sizes the kernels need. */
export function checkAttention(op: string, q: Tensor, kCache: Tensor, vCache: Tensor | null, options: AttentionOptions): AttentionShape {
  const { numHeads, numKvHeads, headDim, kvLength, scale, mask } = options;
  expectInteger(op, 'options.numHeads', numHeads, 1);
  expectInteger(op, 'options.numKvHeads', numKvHeads, 1);
  expectInteger(op, 'options.headDim', headDim, 1);
  if (numHeads % numKvHeads !== 0) throw new ArgumentError(`${op}: options.numHeads (${numHeads}) must be a multiple of options.numKvHeads (${numKvHeads})`);
  if (!Number.isFinite(scale)) throw new ArgumentError(`${op}: options.scale must be a finite number, got ${scale}`);
  expectRank(op, 'q', q, 3);
  const [batch, seq] = q.shape as [number, number, number];
  if (lastDim(q) !== numHeads * headDim) throw new ArgumentError(`${op}: q [${q.shape.join(', ')}] must end in numHeads * headDim = ${numHeads * headDim}`);
  expectRank(op, 'kCache', kCache, 4);
  const maxLength = kCache.shape[2]!;
  expectShape(op, 'kCache', kCache, [batch, numKvHeads, maxLength, headDim]);
  if (vCache) expectShape(op, 'vCache', vCache, [batch, numKvHeads, maxLength, headDim]);
  expectInteger(op, 'options.kvLength', kvLength, seq, maxLength);
  let maskStride = 0;
  if (mask) {
    expectRank(op, 'options.mask', mask, 2);
    if (mask.shape[0] !== batch || mask.shape[1]! < kvLength) {
      throw new ArgumentError(`${op}: options.mask [${mask.shape.join(', ')}] must be [${batch}, kvLength = ${kvLength}]`);
    }
    if (mask.dtype !== 'float32' && mask.dtype !== 'int32') throw new ArgumentError(`${op}: options.mask must be float32 or int32, got ${mask.dtype}`);
    maskStride = mask.shape[1]!;
  }
  return { batch, seq, maxLength, maskStride };
}

/** The uniform parameters, in the order of the kernels' `Params` struct. */
export function attentionParams(shape: AttentionShape, options: AttentionOptions): ParamField[] {
  return [
    { u32: shape.batch },
    { u32: shape.seq },
    { u32: options.numHeads },
    { u32: options.numKvHeads },
    { u32: shape.maxLength },
    { u32: options.kvLength },
    { f32: options.scale },
    { u32: shape.maskStride },
    { u32: options.mask?.dtype === 'float32' ? 1 : 0 },
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
