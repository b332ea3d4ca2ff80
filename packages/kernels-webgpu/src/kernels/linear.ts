// linear: x [..., K] float32 · weight [M, K]ᵀ + bias [M] -> float32 [..., M], weight and bias in their stored dtype.
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
  if (k === 0) throw new ArgumentError(`linear: weight [${weight.shape.join(', ')}] has K = 0`);
  const rows = x.size / k;
  const out = ctx.output([...x.shape.slice(0, -1), m], 'float32');
  if (rows === 0 || m === 0) return out;

  const { buffers, chunkElements } = ctx.chunks(weight);
  if (buffers.length > 1 && chunkElements % k !== 0) {
    throw new ArgumentError(`linear: weight [${weight.shape.join(', ')}] is split every ${chunkElements} elements, not on whole rows of ${k}`);
  }
  const variant: LinearVariant = { weight: weight.dtype as WeightDType, bias: bias ? (bias.dtype as WeightDType) : null, shaderF16: ctx.shaderF16 };
  const key = `${variant.weight}:${variant.bias ?? 'none'}`;
  const xBuffer = ctx.buffer(x, 'linear x');
  const outBuffer = ctx.buffer(out, 'output');
  const biasBuffers = bias ? [ctx.buffer(bias, 'linear bias')] : [];
  const rowsPerChunk = buffers.length > 1 ? chunkElements / k : m;

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
    buffers.forEach((chunk, c) => {
      const mStart = c * rowsPerChunk;
      const mCount = Math.min(rowsPerChunk, m - mStart);
      ctx.dispatch(pipeline, [{ u32: rows }, { u32: k }, { u32: m }, { u32: mStart }, { u32: mCount }], [xBuffer, chunk, ...biasBuffers, outBuffer], grid(Math.ceil(mCount / perGroup)));
    });
    return out;
  }
  // Many rows: the tiled kernel.
  const pipeline = ctx.pipeline(`linear:tiled:${key}`, () => tiledSource(variant));
  const rowTiles = Math.ceil(rows / TILE);
  if (rowTiles > 65535) throw new ArgumentError(`linear: ${rows} rows of x exceed one dispatch (${65535 * TILE}); split the batch`);
  buffers.forEach((chunk, c) => {
    const mStart = c * rowsPerChunk;
    const mCount = Math.min(rowsPerChunk, m - mStart);
    const colTiles = Math.ceil(mCount / TILE);
    if (colTiles > 65535) throw new ArgumentError(`linear: ${mCount} output columns in one weight chunk exceed one dispatch`);
    ctx.dispatch(pipeline, [{ u32: rows }, { u32: k }, { u32: m }, { u32: mStart }, { u32: mCount }], [xBuffer, chunk, ...biasBuffers, outBuffer], [colTiles, rowTiles, 1]);
  });
  return out;
}
