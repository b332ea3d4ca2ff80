// WGSL of linear (x·Wᵀ + b): a matrix-vector kernel for a few rows (decode) and a tiled
// matrix-matrix kernel for many (prefill). Both compute output columns mStart .. mStart+mCount-1
// from one chunk of the weight, whose row 0 is weight row mStart.
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

export interface LinearVariant {
  weight: WeightDType;
  bias: WeightDType | null;
  shaderF16: boolean;
}

/** Bindings and bias of every linear kernel; `vec4` reads x and the weights four at a time. */
function header(v: LinearVariant, vec4 = false): string {
  const dtypes = v.bias ? [v.weight, v.bias] : [v.weight];
  return /* wgsl */ `${enables(dtypes, v.shaderF16)}
struct Params { rows: u32, k: u32, m: u32, mStart: u32, mCount: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<${vec4 ? 'vec4<f32>' : 'f32'}>;
${(vec4 ? weightBinding4 : weightBinding)(2, 'w', v.weight, v.shaderF16)}
${v.bias ? weightBinding(3, 'b', v.bias, v.shaderF16) : ''}
@group(0) @binding(${v.bias ? 4 : 3}) var<storage, read_write> out: array<f32>;
fn biasAt(col: u32) -> f32 { return ${v.bias ? 'load_b(params.mStart + col)' : '0.0'}; }
`;
}

/**
 * The matrix-vector kernel around `accumulate` (WGSL that adds this lane's share of column `col` into
 * acc[0 .. rows-1]): LANES threads per column, their partials summed in workgroup memory.
 */
function matvecKernel(v: LinearVariant, vec4: boolean, accumulate: string): string {
  const T = MATVEC_THREADS;
  const L = MATVEC_LANES;
  const R = MATVEC_MAX_ROWS;
  return /* wgsl */ `${header(v, vec4)}
${GROUP_INDEX}
var<workgroup> partial: array<f32, ${T * R}>;

@compute @workgroup_size(${T})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let lane = lid % ${L}u;
  let col = groupIndex(wid, nwg) * ${T / L}u + lid / ${L}u;
  let inRange = col < params.mCount;
  var acc: array<f32, ${R}>;
  if (inRange) {${accumulate}
  }
  for (var n = 0u; n < ${R}u; n = n + 1u) { partial[n * ${T}u + lid] = acc[n]; }
  workgroupBarrier();
  for (var stride = ${L / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lane < stride) {
      for (var n = 0u; n < params.rows; n = n + 1u) {
        partial[n * ${T}u + lid] = partial[n * ${T}u + lid] + partial[n * ${T}u + lid + stride];
      }
    }
    workgroupBarrier();
  }
  if (inRange && lane == 0u) {
    for (var n = 0u; n < params.rows; n = n + 1u) {
      out[n * params.m + params.mStart + col] = partial[n * ${T}u + lid] + biasAt(col);
    }
  }
}
`;
}

/**
 * MATVEC_COLUMNS output columns per workgroup of MATVEC_THREADS threads: LANES threads per column split K
 * (reading neighbouring weights together) and sum their partials in workgroup memory. `pairs` reads two
 * weights at once (K even).
 */
export function matvecSource(v: LinearVariant, pairs: boolean): string {
  const L = MATVEC_LANES;
  const accumulate = pairs
    ? /* wgsl */ `
    let half = params.k / 2u;
    let wBase = col * half;
    for (var j = lane; j < half; j = j + ${L}u) {
      let wv = load2_w(wBase + j);
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xi = n * params.k + 2u * j;
        acc[n] = acc[n] + x[xi] * wv.x + x[xi + 1u] * wv.y;
      }
    }`
    : /* wgsl */ `
    let wBase = col * params.k;
    for (var i = lane; i < params.k; i = i + ${L}u) {
      let wv = load_w(wBase + i);
      for (var n = 0u; n < params.rows; n = n + 1u) {
        acc[n] = acc[n] + x[n * params.k + i] * wv;
      }
    }`;
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
      let wv = load4_w(wBase + j);
      for (var n = 0u; n < params.rows; n = n + 1u) {
        acc[n] = acc[n] + dot(x[n * quads + j], wv);
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
  var acc: array<f32, ${R}>;
  let wBase = col * params.k;
  for (var i = 0u; i < params.k; i = i + 1u) {
    let wv = load_w(wBase + i);
    for (var n = 0u; n < params.rows; n = n + 1u) {
      acc[n] = acc[n] + x[n * params.k + i] * wv;
    }
  }
  let b = biasAt(col);
  for (var n = 0u; n < params.rows; n = n + 1u) {
    out[n * params.m + params.mStart + col] = acc[n] + b;
  }
}
`;
}

/** Workgroup (x: column tile, y: row tile) of 8 x 8 threads computing a TILE x TILE block through shared tiles of K. */
export function tiledSource(v: LinearVariant): string {
  return /* wgsl */ `${header(v)}
var<workgroup> xs: array<f32, ${TILE * TILE_K}>;
var<workgroup> ws: array<f32, ${TILE * TILE_K}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col0 = wid.x * ${TILE}u;
  let row0 = wid.y * ${TILE}u;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < params.k; k0 = k0 + ${TILE_K}u) {
    for (var e = 0u; e < ${(TILE * TILE_K) / 64}u; e = e + 1u) {
      let idx = lid + 64u * e;
      let r = idx / ${TILE_K}u;
      let c = k0 + idx % ${TILE_K}u;
      var xv = 0.0;
      if (row0 + r < params.rows && c < params.k) { xv = x[(row0 + r) * params.k + c]; }
      xs[idx] = xv;
      var wv = 0.0;
      if (col0 + r < params.mCount && c < params.k) { wv = load_w((col0 + r) * params.k + c); }
      ws[idx] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
      var wk: array<f32, 4>;
      for (var j = 0u; j < 4u; j = j + 1u) { wk[j] = ws[(tx * 4u + j) * ${TILE_K}u + kk]; }
      for (var i = 0u; i < 4u; i = i + 1u) {
        let xv = xs[(ty * 4u + i) * ${TILE_K}u + kk];
        for (var j = 0u; j < 4u; j = j + 1u) { acc[i * 4u + j] = acc[i * 4u + j] + xv * wk[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = row0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + tx * 4u + j;
      if (row < params.rows && col < params.mCount) {
        out[row * params.m + params.mStart + col] = acc[i * 4u + j] + biasAt(col);
      }
    }
  }
}
`;
}
