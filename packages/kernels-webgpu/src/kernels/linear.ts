// linear: x [..., K] float32 · weight [M, K]ᵀ + bias [M] -> float32 [..., M], weight and bias in their stored dtype.
// `projectRows` also runs linearSiluMul's gated kernels (two weights of one shape and dtype, read side by side);
// `projectSegments` runs linearMany's segmented kernels (several weights of one K, one dispatch).
import { ArgumentError, type LinearShape, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import {
  type LinearVariant, MATVEC_COLUMNS, MATVEC_MAX_ROWS, MATVEC_THREADS, NARROW_MAX_K, TILE, matvecNarrowSource, matvecSource, matvecVec4Source,
  segmentGroups, tiledSource,
} from './linear-sources.js';
import { grid, type WeightDType } from './wgsl.js';

/** On arguments checked by core's checkLinear (its sizes). */
export function linear(ctx: KernelContext, x: Tensor, weight: Tensor, bias: Tensor | undefined, shape: LinearShape): Tensor {
  return projectRows(ctx, 'linear', x, shape, [weight], bias ? [bias] : []);
}

type ProjectionOp = 'linear' | 'linearSiluMul' | 'linearMany';

interface LinearKernel {
  pipeline: GPUComputePipeline;
  /** Output columns one workgroup covers (of one weight). */
  width: number;
  /** The grid for this many column workgroups. */
  groups(columnGroups: number): [number, number, number];
}

/**
 * The kernel for `rows` rows of x: up to MATVEC_MAX_ROWS (decode) a matrix-vector kernel (short rows: one thread per
 * column; else MATVEC_COLUMNS columns per workgroup with lanes splitting K, reading vec4 when K allows), more rows the
 * tiled kernel.
 */
function kernelFor(ctx: KernelContext, variant: LinearVariant, rows: number, k: number): LinearKernel {
  const segments = variant.segments ?? 1;
  const key = `${variant.gated ? 'gated' : segments > 1 ? `many${segments}` : 'plain'}:${variant.weight}:${variant.bias ?? 'none'}`;
  if (rows <= MATVEC_MAX_ROWS) {
    const narrow = k <= NARROW_MAX_K;
    const pairs = k % 2 === 0;
    const pipeline = narrow
      ? ctx.pipeline(`linear:narrow:${key}`, () => matvecNarrowSource(variant))
      : k % 4 === 0
        ? ctx.pipeline(`linear:matvec4:${key}`, () => matvecVec4Source(variant))
        : ctx.pipeline(`linear:matvec:${key}:${pairs}`, () => matvecSource(variant, pairs));
    return { pipeline, width: narrow ? MATVEC_THREADS : MATVEC_COLUMNS, groups: grid };
  }
  const rowTiles = Math.ceil(rows / TILE);
  // The backend's limits (limits.ts) keep rowTiles and the column tiles within one dispatch dimension.
  return { pipeline: ctx.pipeline(`linear:tiled:${key}`, () => tiledSource(variant)), width: TILE, groups: (columnTiles) => [columnTiles, rowTiles, 1] };
}

/**
 * The kernels of `linear` (one weight, one bias or none) or of `linearSiluMul` (gate and up, both biases or
 * none), on arguments already checked: weights [M, K] of one shape and dtype, biases [M] of one dtype, x
 * [..., K], K > 0 (limits.ts). Up to MATVEC_MAX_ROWS rows of x: a matrix-vector kernel; more: the tiled kernel. One
 * dispatch per weight chunk (the weights share their chunking, having one shape and dtype).
 */
export function projectRows(ctx: KernelContext, op: ProjectionOp, x: Tensor, { rows, k, m, outShape }: LinearShape, weights: readonly [Tensor] | readonly [Tensor, Tensor], biases: readonly Tensor[]): Tensor {
  const first = weights[0];
  const out = ctx.output(outShape, 'float32');
  if (rows === 0 || m === 0) return out;

  const chunked = weights.map((w) => ctx.chunks(w));
  const { buffers, chunkElements } = chunked[0]!;
  if (chunked.some((c) => c.chunkElements !== chunkElements || c.buffers.length !== buffers.length)) {
    throw new ArgumentError(`${op}: gate and up [${first.shape.join(', ')}] ${first.dtype} are stored in different chunks (${chunked.map((c) => `${c.buffers.length} of ${c.chunkElements}`).join(' and ')} elements)`);
  }
  if (buffers.length > 1 && chunkElements % k !== 0) {
    throw new ArgumentError(`${op}: weight [${first.shape.join(', ')}] is split every ${chunkElements} elements, not on whole rows of ${k}`);
  }
  const variant: LinearVariant = {
    weight: first.dtype as WeightDType, bias: biases[0] ? (biases[0].dtype as WeightDType) : null, shaderF16: ctx.shaderF16, gated: weights.length === 2,
  };
  const kernel = kernelFor(ctx, variant, rows, k);
  const xBuffer = ctx.buffer(x, `${op} x`);
  const outBuffer = ctx.buffer(out, 'output');
  const biasBuffers = biases.map((b, i) => ctx.buffer(b, `${op} bias ${i}`));
  const rowsPerChunk = buffers.length > 1 ? chunkElements / k : m;
  buffers.forEach((_, c) => {
    const mStart = c * rowsPerChunk;
    const mCount = Math.min(rowsPerChunk, m - mStart);
    const params = [{ u32: rows }, { u32: k }, { u32: m }, { u32: mStart }, { u32: mCount }];
    const bindings = [xBuffer, ...chunked.map((w) => w.buffers[c]!), ...biasBuffers, outBuffer];
    ctx.dispatch(kernel.pipeline, params, bindings, kernel.groups(Math.ceil(mCount / kernel.width)));
  });
  return out;
}

/**
 * linearMany's segmented kernels: x·Wᵢᵀ + bᵢ into outs[i] for n >= 2 weights in one dispatch, on arguments already
 * checked: weights [M_i, K] of one dtype, each in one buffer, M_i > 0, biases [M_i] of one dtype (one for each weight)
 * or none, outs float32 [..., M_i]. Each weight's columns take whole workgroups (the ones linear would give it), so
 * every column is summed as `linear` sums it.
 */
export function projectSegments(ctx: KernelContext, x: Tensor, weights: readonly Tensor[], biases: readonly Tensor[], outs: readonly Tensor[]): void {
  const k = weights[0]!.shape[1]!;
  const rows = x.size / k;
  const columns = weights.map((w) => w.shape[0]!);
  const variant: LinearVariant = {
    weight: weights[0]!.dtype as WeightDType, bias: biases[0] ? (biases[0].dtype as WeightDType) : null, shaderF16: ctx.shaderF16, gated: false, segments: weights.length,
  };
  const kernel = kernelFor(ctx, variant, rows, k);
  const bindings = [
    ctx.buffer(x, 'linearMany x'),
    ...weights.map((w, i) => ctx.buffer(w, `linearMany weights[${i}]`)),
    ...biases.map((b, i) => ctx.buffer(b, `linearMany biases[${i}]`)),
    ...outs.map((o) => ctx.buffer(o, 'output')),
  ];
  const params = [{ u32: rows }, { u32: k }, ...columns.map((m) => ({ u32: m }))];
  ctx.dispatch(kernel.pipeline, params, bindings, kernel.groups(segmentGroups(columns, kernel.width)));
}
