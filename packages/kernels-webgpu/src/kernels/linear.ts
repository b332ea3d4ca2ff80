// linear: x [..., K] float32 · weight [M, K]ᵀ + bias [M] -> float32 [..., M], weight and bias in their stored dtype.
// `projectRows` also runs linearSiluMul's gated kernels (two weights of one shape and dtype, read side by side).
import { ArgumentError, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectRank, expectShape, lastDim } from '../validate.js';
import {
  type LinearVariant, MATVEC_COLUMNS, MATVEC_MAX_ROWS, MATVEC_THREADS, NARROW_MAX_K, TILE, matvecNarrowSource, matvecSource, matvecVec4Source,
  tiledSource,
} from './linear-sources.js';
import { grid, type WeightDType } from './wgsl.js';

export function linear(ctx: KernelContext, x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  expectRank('linear', 'x', x, 1, true);
  expectRank('linear', 'weight', weight, 2);
  const [m, k] = weight.shape as [number, number];
  if (lastDim(x) !== k) {
    throw new ArgumentError(`linear: x [${x.shape.join(', ')}] must end in K = ${k} (weight is [${weight.shape.join(', ')}])`);
  }
  if (bias) expectShape('linear', 'bias', bias, [m]);
  return projectRows(ctx, 'linear', x, [weight], bias ? [bias] : []);
}

/**
 * The kernels of `linear` (one weight, one bias or none) or of `linearSiluMul` (gate and up, both biases or
 * none), on arguments already checked: weights [M, K] of one shape and dtype, biases [M] of one dtype, x
 * [..., K]. Up to MATVEC_MAX_ROWS rows of x: a matrix-vector kernel; more: the tiled kernel. One dispatch per
 * weight chunk (the weights share their chunking, having one shape and dtype).
 */
export function projectRows(ctx: KernelContext, op: 'linear' | 'linearSiluMul', x: Tensor, weights: readonly [Tensor] | readonly [Tensor, Tensor], biases: readonly Tensor[]): Tensor {
  const first = weights[0];
  const [m, k] = first.shape as [number, number];
  if (k === 0) throw new ArgumentError(`${op}: ${op === 'linear' ? 'weight' : 'gate'} [${first.shape.join(', ')}] has K = 0`);
  const rows = x.size / k;
  const out = ctx.output([...x.shape.slice(0, -1), m], 'float32');
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
  const key = `${variant.gated ? 'gated' : 'plain'}:${variant.weight}:${variant.bias ?? 'none'}`;
  const xBuffer = ctx.buffer(x, `${op} x`);
  const outBuffer = ctx.buffer(out, 'output');
  const biasBuffers = biases.map((b, i) => ctx.buffer(b, `${op} bias ${i}`));
  const rowsPerChunk = buffers.length > 1 ? chunkElements / k : m;
  const chunkBindings = (c: number) => [xBuffer, ...chunked.map((w) => w.buffers[c]!), ...biasBuffers, outBuffer];
  const params = (mStart: number, mCount: number) => [{ u32: rows }, { u32: k }, { u32: m }, { u32: mStart }, { u32: mCount }];

  if (rows <= MATVEC_MAX_ROWS) {
    // Few rows (decode): a matrix-vector kernel. Short rows: one thread per column; else MATVEC_COLUMNS
    // columns per workgroup with lanes splitting K, reading vec4 when K allows.
    const narrow = k <= NARROW_MAX_K;
    const pairs = k % 2 === 0;
    const pipeline = narrow
      ? ctx.pipeline(`linear:narrow:${key}`, () => matvecNarrowSource(variant))
      : k % 4 === 0
        ? ctx.pipeline(`linear:matvec4:${key}`, () => matvecVec4Source(variant))
        : ctx.pipeline(`linear:matvec:${key}:${pairs}`, () => matvecSource(variant, pairs));
    const perGroup = narrow ? MATVEC_THREADS : MATVEC_COLUMNS;
    buffers.forEach((_, c) => {
      const mStart = c * rowsPerChunk;
      const mCount = Math.min(rowsPerChunk, m - mStart);
      ctx.dispatch(pipeline, params(mStart, mCount), chunkBindings(c), grid(Math.ceil(mCount / perGroup)));
    });
    return out;
  }
  // Many rows: the tiled kernel.
  const pipeline = ctx.pipeline(`linear:tiled:${key}`, () => tiledSource(variant));
  const rowTiles = Math.ceil(rows / TILE);
  if (rowTiles > 65535) throw new ArgumentError(`${op}: ${rows} rows of x exceed one dispatch (${65535 * TILE}); split the batch`);
  buffers.forEach((_, c) => {
    const mStart = c * rowsPerChunk;
    const mCount = Math.min(rowsPerChunk, m - mStart);
    const colTiles = Math.ceil(mCount / TILE);
    if (colTiles > 65535) throw new ArgumentError(`${op}: ${mCount} output columns in one weight chunk exceed one dispatch`);
    ctx.dispatch(pipeline, params(mStart, mCount), chunkBindings(c), [colTiles, rowTiles, 1]);
  });
  return out;
}
