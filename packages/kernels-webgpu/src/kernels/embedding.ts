// Embedding gather: out[r, :] = weight[ids[r], :], widened (or, for a block format, dequantized) to float32. A weight
// split across buffers is gathered one chunk at a time; ids outside [0, V) give a zero row.
import { ArgumentError, type DType, type Tensor, isQuantDType, quantBlock } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { BLOCK_PRELUDE, KEEP_ROUNDING, blockWeightBinding } from './block-formats.js';
import { ELEMENT_THREADS, GROUP_INDEX, type WeightDType, enables, grid, weightBinding } from './wgsl.js';

/** The weight's binding (with what it needs) and the expression reading element `c` of its row `local`. */
function weightAccess(dtype: DType, shaderF16: boolean): { binding: string; load: string } {
  if (!isQuantDType(dtype)) {
    return { binding: weightBinding(1, 'w', dtype as WeightDType, shaderF16), load: 'load_w(local * params.cols + c)' };
  }
  const { blockElements, blockBytes } = quantBlock(dtype);
  return {
    binding: `${BLOCK_PRELUDE}\n${KEEP_ROUNDING}\n${blockWeightBinding(1, 'w', dtype)}`,
    load: `quad_w(local * (params.cols / ${blockElements}u) * ${blockBytes}u, c / 4u)[c & 3u]`,
  };
}

function source(dtype: DType, shaderF16: boolean): string {
  const { binding, load } = weightAccess(dtype, shaderF16);
  return /* wgsl */ `${isQuantDType(dtype) ? '' : enables([dtype as WeightDType], shaderF16)}
struct Params { count: u32, cols: u32, vocab: u32, rowStart: u32, rowCount: u32, firstChunk: u32, zero: u32 }
@group(0) @binding(0) var<uniform> params: Params;
${binding}
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
@compute @workgroup_size(${ELEMENT_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * ${ELEMENT_THREADS}u + lid;
  if (i >= params.count) { return; }
  let r = i / params.cols;
  let c = i - r * params.cols;
  let id = ids[r];
  if (id < 0 || u32(id) >= params.vocab) {
    if (params.firstChunk == 1u) { out[i] = 0.0; }
    return;
  }
  let local = u32(id) - params.rowStart;
  if (u32(id) >= params.rowStart && local < params.rowCount) {
    out[i] = ${load};
  }
}
`;
}

/** On arguments checked by core's checkEmbedding (its sizes). */
export function embedding(ctx: KernelContext, weight: Tensor, ids: Tensor, shape: { vocab: number; hidden: number; outShape: readonly number[] }): Tensor {
  const { vocab, hidden: cols } = shape;
  const out = ctx.output(shape.outShape, 'float32');
  const count = ids.size * cols;
  if (count === 0) return out;
  const { buffers, chunkElements } = ctx.chunks(weight);
  if (buffers.length > 1 && chunkElements % cols !== 0) {
    throw new ArgumentError(`embedding: weight [${weight.shape.join(', ')}] is split every ${chunkElements} elements, not on whole rows of ${cols}`);
  }
  const dtype = weight.dtype;
  const pipeline = ctx.pipeline(`embedding:${dtype}`, () => source(dtype, ctx.shaderF16));
  const rowsPerChunk = buffers.length > 1 ? chunkElements / cols : vocab;
  const idsBuffer = ctx.buffer(ids, 'embedding ids');
  const outBuffer = ctx.buffer(out, 'output');
  buffers.forEach((chunk, c) => {
    const rowStart = c * rowsPerChunk;
    const rowCount = Math.min(rowsPerChunk, vocab - rowStart);
    ctx.dispatch(
      pipeline,
      [{ u32: count }, { u32: cols }, { u32: vocab }, { u32: rowStart }, { u32: rowCount }, { u32: c === 0 ? 1 : 0 }, { u32: 0 }],
      [chunk, idsBuffer, outBuffer],
      grid(Math.ceil(count / ELEMENT_THREADS)),
    );
  });
  return out;
}
