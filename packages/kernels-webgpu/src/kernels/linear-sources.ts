// WGSL of linear (x·Wᵀ + b) and of linearSiluMul (silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias)): a
// matrix-vector kernel for a few rows (decode) and a tiled matrix-matrix kernel for many (prefill). Every
// kernel computes output columns mStart .. mStart+mCount-1 from one chunk of the weight(s), whose row 0 is
// weight row mStart. The gated variant reads a second weight `u` (up) beside `w` (gate) with the same
// indices, keeps a second set of accumulators fed by the same reads of x, and writes silu(g) * u per column.
import { siluMulExpression } from './elementwise.js';
import { GROUP_INDEX, type WeightDType, enables, weightBinding, weightBinding4 } from './wgsl.js';

/** Rows of x the matrix-vector kernel handles in one pass (decode batches); more rows go to the tiled kernel. */
export const MATVEC_MAX_ROWS = 8;
export const MATVEC_THREADS = 256;
/** Threads that share one output column of the matrix-vector kernel (MATVEC_THREADS / MATVEC_LANES columns per workgroup). */
export const MATVEC_LANES = 16;
export const MATVEC_COLUMNS = MATVEC_THREADS / MATVEC_LANES;
/** Output tile of the tiled kernel: TILE rows of x by TILE output columns, each thread 4 x 4. */
export const TILE = 32;
const TILE_K = 16;

/**
 * Workgroup memory every WebGPU device grants (the spec's minimum maxComputeWorkgroupStorageSize). The gated
 * matrix-vector kernel's partial sums (2 projections x MATVEC_MAX_ROWS x MATVEC_THREADS f32) fill it exactly.
 */
export const GUARANTEED_WORKGROUP_BYTES = 16384;

export interface LinearVariant {
  weight: WeightDType;
  bias: WeightDType | null;
  shaderF16: boolean;
  /** linearSiluMul: weights `w` (gate) and `u` (up), biases `b` and `c`; each column writes silu(gate) * up. */
  gated: boolean;
}

/** The weight bindings a variant reads: the projections whose accumulators it keeps, in accumulator order. */
function projections(v: LinearVariant): readonly string[] {
  return v.gated ? ['w', 'u'] : ['w'];
}

/** The bytes of the matrix-vector kernel's workgroup partial sums for this variant. */
export function matvecWorkgroupBytes(v: LinearVariant): number {
  return projections(v).length * MATVEC_MAX_ROWS * MATVEC_THREADS * 4;
}

/** `f(p, name)` for each projection, joined into WGSL statements. */
function perProjection(v: LinearVariant, f: (p: number, name: string) => string, separator = '\n'): string {
  return projections(v).map((name, p) => f(p, name)).join(separator);
}

/**
 * Bindings, biases and `storeColumn(row, col, sums...)` of every linear kernel (one sum per projection): linear
 * writes sum + bias; the gated variant writes silu(gate sum + gate bias) * (up sum + up bias) as siluMul does.
 * `vec4` reads x and the weights four at a time.
 */
function header(v: LinearVariant, vec4 = false): string {
  const names = projections(v);
  const biasNames = v.bias ? ['b', 'c'].slice(0, names.length) : [];
  let binding = 2;
  const weights = names.map((name) => (vec4 ? weightBinding4 : weightBinding)(binding++, name, v.weight, v.shaderF16)).join('');
  const biases = biasNames.map((name) => weightBinding(binding++, name, v.bias!, v.shaderF16)).join('');
  const biasAt = (name: string | undefined) => (name ? `load_${name}(params.mStart + col)` : '0.0');
  const sums = names.map((_, p) => `s${p}: f32`).join(', ');
  const at = 'row * params.m + params.mStart + col';
  const store = v.gated
    ? `let gate = s0 + ${biasAt(biasNames[0])};\n  let up = s1 + ${biasAt(biasNames[1])};\n  out[${at}] = ${siluMulExpression('gate', 'up')};`
    : `out[${at}] = s0 + ${biasAt(biasNames[0])};`;
  return /* wgsl */ `${enables(v.bias ? [v.weight, v.bias] : [v.weight], v.shaderF16)}
struct Params { rows: u32, k: u32, m: u32, mStart: u32, mCount: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<${vec4 ? 'vec4<f32>' : 'f32'}>;
${weights}${biases}
@group(0) @binding(${binding}) var<storage, read_write> out: array<f32>;
fn storeColumn(row: u32, col: u32, ${sums}) {
  ${store}
}
`;
}

/** The accumulator of projection p for row n: acc holds MATVEC_MAX_ROWS rows per projection. */
const accSlot = (p: number) => (p === 0 ? 'n' : `${p * MATVEC_MAX_ROWS}u + n`);

/**
 * The matrix-vector kernel around `accumulate` (WGSL that adds this lane's share of column `col` into
 * acc[p * MATVEC_MAX_ROWS + n] for each projection p and row n < rows): LANES threads per column, their
 * partials summed in workgroup memory.
 */
function matvecKernel(v: LinearVariant, vec4: boolean, accumulate: string): string {
  const T = MATVEC_THREADS;
  const L = MATVEC_LANES;
  const R = MATVEC_MAX_ROWS;
  const A = projections(v).length;
  if (matvecWorkgroupBytes(v) > GUARANTEED_WORKGROUP_BYTES) {
    throw new Error(`linear: the matrix-vector kernel's ${matvecWorkgroupBytes(v)} bytes of partial sums exceed the ${GUARANTEED_WORKGROUP_BYTES} every device grants`);
  }
  const partialAt = (p: number, lidOffset = '') => `partial[(${accSlot(p)}) * ${T}u + lid${lidOffset}]`;
  return /* wgsl */ `${header(v, vec4)}
${GROUP_INDEX}
var<workgroup> partial: array<f32, ${A * T * R}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lane = lid % ${L}u;
  let col = groupIndex(wid, nwg) * ${T / L}u + lid / ${L}u;
  let inRange = col < params.mCount;
  var acc: array<f32, ${A * R}>;
  if (inRange) {${accumulate}
  }
  for (var n = 0u; n < ${A * R}u; n = n + 1u) { partial[n * ${T}u + lid] = acc[n]; }
  workgroupBarrier();
  for (var stride = ${L / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lane < stride) {
      for (var n = 0u; n < params.rows; n = n + 1u) {
        ${perProjection(v, (p) => `${partialAt(p)} = ${partialAt(p)} + ${partialAt(p, ' + stride')};`, '\n        ')}
      }
    }
    workgroupBarrier();
  }
  if (inRange && lane == 0u) {
    for (var n = 0u; n < params.rows; n = n + 1u) {
      storeColumn(n, col, ${perProjection(v, (p) => partialAt(p), ', ')});
    }
  }
}
`;
}

/** Accumulates x[n, i] * weight[col, i] for i = start, start + step, ... < K, one weight element at a time. */
function scalarAccumulate(v: LinearVariant, start: string, step: string): string {
  return /* wgsl */ `
    let wBase = col * params.k;
    for (var i = ${start}; i < params.k; i = i + ${step}) {
      ${perProjection(v, (_, name) => `let ${name}v = load_${name}(wBase + i);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xv = x[n * params.k + i];
        ${perProjection(v, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + xv * ${name}v;`, '\n        ')}
      }
    }`;
}

/**
 * MATVEC_COLUMNS output columns per workgroup of MATVEC_THREADS threads: LANES threads per column split K
 * (reading neighbouring weights together) and sum their partials in workgroup memory. `pairs` reads two
 * weights at once (K even).
 */
export function matvecSource(v: LinearVariant, pairs: boolean): string {
  const accumulate = pairs
    ? /* wgsl */ `
    let half = params.k / 2u;
    let wBase = col * half;
    for (var j = lane; j < half; j = j + ${MATVEC_LANES}u) {
      ${perProjection(v, (_, name) => `let ${name}v = load2_${name}(wBase + j);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xi = n * params.k + 2u * j;
        let x0 = x[xi];
        let x1 = x[xi + 1u];
        ${perProjection(v, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + x0 * ${name}v.x + x1 * ${name}v.y;`, '\n        ')}
      }
    }`
    : scalarAccumulate(v, 'lane', `${MATVEC_LANES}u`);
  return matvecKernel(v, false, accumulate);
}

/**
 * The matrix-vector kernel of `matvecSource` for K a multiple of 4: x and the weights are read as
 * vec4 (16-byte loads of x and float32 weights, 8-byte loads of float16 / bfloat16).
 */
export function matvecVec4Source(v: LinearVariant): string {
  return matvecKernel(v, true, /* wgsl */ `
    let quads = params.k / 4u;
    let wBase = col * quads;
    for (var j = lane; j < quads; j = j + ${MATVEC_LANES}u) {
      ${perProjection(v, (_, name) => `let ${name}v = load4_${name}(wBase + j);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xv = x[n * quads + j];
        ${perProjection(v, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + dot(xv, ${name}v);`, '\n        ')}
      }
    }`);
}

/** K up to this uses the narrow matrix-vector kernel (one thread per column, no workgroup reduction). */
export const NARROW_MAX_K = 128;

/** One thread per output column looping over all of K: for short rows, where a reduction costs more than it saves. */
export function matvecNarrowSource(v: LinearVariant): string {
  const T = MATVEC_THREADS;
  const R = MATVEC_MAX_ROWS;
  return /* wgsl */ `${header(v)}
${GROUP_INDEX}
@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col = groupIndex(wid, nwg) * ${T}u + lid;
  if (col >= params.mCount) { return; }
  var acc: array<f32, ${projections(v).length * R}>;${scalarAccumulate(v, '0u', '1u')}
  for (var n = 0u; n < params.rows; n = n + 1u) {
    storeColumn(n, col, ${perProjection(v, (p) => `acc[${accSlot(p)}]`, ', ')});
  }
}
`;
}

/**
 * Workgroup (x: column tile, y: row tile) of 8 x 8 threads computing a TILE x TILE block through shared tiles of K
 * (one shared weight tile per projection, all multiplied by the same tile of x).
 */
export function tiledSource(v: LinearVariant): string {
  const tileElements = TILE * TILE_K;
  const A = projections(v).length;
  const tileAt = (p: number, index: string) => (p === 0 ? index : `${p * tileElements}u + ${index}`);
  return /* wgsl */ `${header(v)}
var<workgroup> xs: array<f32, ${tileElements}>;
var<workgroup> ws: array<f32, ${A * tileElements}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col0 = wid.x * ${TILE}u;
  let row0 = wid.y * ${TILE}u;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var acc: array<f32, ${16 * A}>;
  for (var k0 = 0u; k0 < params.k; k0 = k0 + ${TILE_K}u) {
    for (var e = 0u; e < ${tileElements / 64}u; e = e + 1u) {
      let idx = lid + 64u * e;
      let r = idx / ${TILE_K}u;
      let c = k0 + idx % ${TILE_K}u;
      var xv = 0.0;
      if (row0 + r < params.rows && c < params.k) { xv = x[(row0 + r) * params.k + c]; }
      xs[idx] = xv;
      let inWeight = col0 + r < params.mCount && c < params.k;
      ${perProjection(v, (p, name) => `var ${name}v = 0.0;\n      if (inWeight) { ${name}v = load_${name}((col0 + r) * params.k + c); }\n      ws[${tileAt(p, 'idx')}] = ${name}v;`, '\n      ')}
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
      var wk: array<f32, ${4 * A}>;
      for (var j = 0u; j < 4u; j = j + 1u) {
        ${perProjection(v, (p) => `wk[${p * 4}u + j] = ws[${tileAt(p, `(tx * 4u + j) * ${TILE_K}u + kk`)}];`, '\n        ')}
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        let xv = xs[(ty * 4u + i) * ${TILE_K}u + kk];
        for (var j = 0u; j < 4u; j = j + 1u) {
          ${perProjection(v, (p) => `acc[${p * 16}u + i * 4u + j] = acc[${p * 16}u + i * 4u + j] + xv * wk[${p * 4}u + j];`, '\n          ')}
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = row0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + tx * 4u + j;
      if (row < params.rows && col < params.mCount) {
        storeColumn(row, col, ${perProjection(v, (p) => `acc[${p * 16}u + i * 4u + j]`, ', ')});
      }
    }
  }
}
`;
}
