// linear, linearSiluMul and linearMany with a block-format weight (llama.cpp's q4_0 .. q6_k, stored as
// its GGUF blocks): the blocks are dequantized in registers (block-formats.ts), x and the outputs are float32,
// sums in f32. One kernel for every row count: a workgroup covers BLOCK_COLUMNS output columns of BLOCK_ROWS rows
// of x (grid z: groups of rows), BLOCK_LANES threads per column each dequantizing a strided share of the column's
// quads (4 values) once and multiplying them with every row of its group; the lanes' partial sums are added in
// workgroup memory. A weight split across buffers (on whole rows) runs one dispatch per chunk. (embedding.ts gathers block rows too.)
import { ArgumentError, type LinearShape, type QuantDType, type Tensor, quantBlock } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { BLOCK_PRELUDE, KEEP_ROUNDING, blockWeightBinding } from './block-formats.js';
import { siluMulExpression } from './elementwise.js';
import { GROUP_INDEX, type WeightDType, enables, grid, weightBinding } from './wgsl.js';

export const BLOCK_THREADS = 256;
/** Threads that share one output column. */
export const BLOCK_LANES = 16;
export const BLOCK_COLUMNS = BLOCK_THREADS / BLOCK_LANES;
/** Rows of x one workgroup multiplies with the quads it dequantizes (the gated kernel's sums: 2 x 8 x 256 f32 = 16 KiB). */
export const BLOCK_ROWS = 8;
const MAX_GROUPS = 65535;

interface BlockVariant {
  weight: QuantDType;
  bias: WeightDType | null;
  shaderF16: boolean;
  gated: boolean;
}

function linearSource(v: BlockVariant): string {
  const T = BLOCK_THREADS;
  const L = BLOCK_LANES;
  const R = BLOCK_ROWS;
  const names = v.gated ? ['w', 'u'] : ['w'];
  const A = names.length;
  const biases = v.bias ? ['b', 'c'].slice(0, A) : [];
  let binding = 2;
  const weightBindings = names.map((n) => blockWeightBinding(binding++, n, v.weight)).join('');
  const biasBindings = biases.map((n) => weightBinding(binding++, n, v.bias!, v.shaderF16)).join('');
  const column = 'params.mStart + col';
  const biasAt = (name: string | undefined) => (name ? `load_${name}(${column})` : '0.0');
  const store = v.gated
    ? `let gate = s0 + ${biasAt(biases[0])};\n  let up = s1 + ${biasAt(biases[1])};\n  out[row * params.m + ${column}] = ${siluMulExpression('gate', 'up')};`
    : `out[row * params.m + ${column}] = s0 + ${biasAt(biases[0])};`;
  const slot = (p: number) => (p === 0 ? 'n' : `${p * R}u + n`);
  const partialAt = (p: number, offset = '') => `partial[(${slot(p)}) * ${T}u + lid${offset}]`;
  return /* wgsl */ `${enables(v.bias ? [v.bias] : [], v.shaderF16)}
struct Params { rows: u32, k: u32, m: u32, mStart: u32, mCount: u32, rowStart: u32, zero: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
${BLOCK_PRELUDE}
${KEEP_ROUNDING}
${weightBindings}${biasBindings}
@group(0) @binding(${binding}) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
fn storeColumn(row: u32, col: u32, ${names.map((_, p) => `s${p}: f32`).join(', ')}) {
  ${store}
}
var<workgroup> partial: array<f32, ${A * R * T}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lane = lid % ${L}u;
  let col = groupIndex(wid, nwg) * ${T / L}u + lid / ${L}u;
  let row0 = params.rowStart + wid.z * ${R}u;
  let count = min(${R}u, params.rows - row0);
  let inRange = col < params.mCount;
  var acc: array<f32, ${A * R}>;
  if (inRange) {
    let quads = params.k / 4u;
    let rowByte = col * (params.k / ${quantBlock(v.weight).blockElements}u) * ${quantBlock(v.weight).blockBytes}u;
    for (var j = lane; j < quads; j = j + ${L}u) {
      ${names.map((n) => `let ${n}v = quad_${n}(rowByte, j);`).join('\n      ')}
      for (var n = 0u; n < count; n = n + 1u) {
        let xv = x[(row0 + n) * quads + j];
        ${names.map((n, p) => `acc[${slot(p)}] = acc[${slot(p)}] + dot(xv, ${n}v);`).join('\n        ')}
      }
    }
  }
  for (var n = 0u; n < ${A * R}u; n = n + 1u) { partial[n * ${T}u + lid] = acc[n]; }
  workgroupBarrier();
  for (var stride = ${L / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lane < stride) {
      for (var n = 0u; n < count; n = n + 1u) {
        ${names.map((_, p) => `${partialAt(p)} = ${partialAt(p)} + ${partialAt(p, ' + stride')};`).join('\n        ')}
      }
    }
    workgroupBarrier();
  }
  if (inRange && lane == 0u) {
    for (var n = 0u; n < count; n = n + 1u) {
      storeColumn(row0 + n, col, ${names.map((_, p) => partialAt(p)).join(', ')});
    }
  }
}
`;
}

/**
 * linear (one weight, one bias or none) or linearSiluMul (gate and up of one shape and dtype, both biases or none)
 * with block-format weights [M, K], on arguments checked by core: one dispatch per weight chunk (and per 65535 groups
 * of BLOCK_ROWS rows of x).
 */
export function blockProjectRows(ctx: KernelContext, op: string, x: Tensor, { rows, k, m, outShape }: LinearShape, weights: readonly Tensor[], biases: readonly Tensor[]): Tensor {
  const first = weights[0]!;
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
  const variant: BlockVariant = { weight: first.dtype as QuantDType, bias: biases[0] ? (biases[0].dtype as WeightDType) : null, shaderF16: ctx.shaderF16, gated: weights.length === 2 };
  const key = `block-linear:${variant.weight}:${variant.gated ? 'gated' : 'plain'}:${variant.bias ?? 'none'}`;
  const pipeline = ctx.pipeline(key, () => linearSource(variant));
  const xBuffer = ctx.buffer(x, `${op} x`);
  const outBuffer = ctx.buffer(out, 'output');
  const biasBuffers = biases.map((b, i) => ctx.buffer(b, `${op} bias ${i}`));
  const rowsPerChunk = buffers.length > 1 ? chunkElements / k : m;
  const rowGroups = Math.ceil(rows / BLOCK_ROWS);
  buffers.forEach((_, c) => {
    const mStart = c * rowsPerChunk;
    const mCount = Math.min(rowsPerChunk, m - mStart);
    const [gx, gy] = grid(Math.ceil(mCount / BLOCK_COLUMNS));
    for (let g = 0; g < rowGroups; g += MAX_GROUPS) {
      const params = [{ u32: rows }, { u32: k }, { u32: m }, { u32: mStart }, { u32: mCount }, { u32: g * BLOCK_ROWS }, { u32: 0 }];
      const bindings = [xBuffer, ...chunked.map((w) => w.buffers[c]!), ...biasBuffers, outBuffer];
      ctx.dispatch(pipeline, params, bindings, [gx, gy, Math.min(MAX_GROUPS, rowGroups - g)]);
    }
  });
  return out;
}

/** linearMany with block-format weights: each weight as `linear` (one dispatch per weight and chunk). */
export function blockLinearMany(ctx: KernelContext, x: Tensor, weights: readonly Tensor[], biases: readonly Tensor[] | undefined, shape: { rows: number; k: number; ms: readonly number[]; outShapes: readonly (readonly number[])[] }): Tensor[] {
  const { rows, k } = shape;
  return weights.map((w, i) => blockProjectRows(ctx, 'linearMany', x, { rows, k, m: shape.ms[i]!, outShape: [...shape.outShapes[i]!] }, [w], biases ? [biases[i]!] : []));
}
