// WGSL of linear (x·Wᵀ + b) and of linearSiluMul (silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias)): a
// matrix-vector kernel for a few rows (decode) and a tiled matrix-matrix kernel for many (prefill). Every
// kernel computes output columns mStart .. mStart+mCount-1 from one chunk of the weight(s), whose row 0 is
// weight row mStart. The gated variant reads a second weight `u` (up) beside `w` (gate) with the same
// indices, keeps a second set of accumulators fed by the same reads of x, and writes silu(g) * u per column.
// The segmented variant (linearMany) reads n weights w0 .. w{n-1} of one K: the grid covers the workgroups of
// weight 0's columns, then weight 1's, ...; each workgroup finds its segment (uniform across the workgroup) and runs
// the same accumulation and reduction as linear with that weight, writing out0 .. out{n-1} with bias b0 .. b{n-1}.
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
  /**
   * linearMany: the number of weights (n >= 2) whose columns the grid covers in turn, each with its own bias and
   * output (not with `gated`). Left out or 1: linear's (or linearSiluMul's) single weight.
   */
  segments?: number;
}

/**
 * One weight's share of a kernel: the weight bindings it reads (the projections whose accumulators it keeps, in
 * accumulator order), its biases, and how its columns are stored.
 */
interface Segment {
  names: readonly string[];
  biases: readonly string[];
  /** The function that stores one column of this segment: `${store}(row, col, sums...)`. */
  store: string;
  out: string;
  /** WGSL of this segment's M (the output's row length) and of the first column a dispatch writes. */
  m: string;
  mStart: string | null;
  /** WGSL of the columns this dispatch writes of this segment. */
  mCount: string;
}

function segmentCount(v: LinearVariant): number {
  const n = v.segments ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`linear: a kernel variant needs a whole number of segments >= 1, got ${n}`);
  if (n > 1 && v.gated) throw new Error('linear: the gated (linearSiluMul) kernels have one segment');
  return n;
}

/** The segments of a variant: linear's or linearSiluMul's one (a chunk of columns mStart .., mCount), or linearMany's n. */
function segmentsOf(v: LinearVariant): readonly Segment[] {
  const n = segmentCount(v);
  if (n === 1) {
    const names = v.gated ? ['w', 'u'] : ['w'];
    const biases = v.bias ? ['b', 'c'].slice(0, names.length) : [];
    return [{ names, biases, store: 'storeColumn', out: 'out', m: 'params.m', mStart: 'params.mStart', mCount: 'params.mCount' }];
  }
  return Array.from({ length: n }, (_, s) => ({
    names: [`w${s}`], biases: v.bias ? [`b${s}`] : [], store: `storeColumn${s}`, out: `out${s}`, m: `params.m${s}`, mStart: null, mCount: `params.m${s}`,
  }));
}

/** Accumulators a thread keeps per row: one per projection of a segment (the same for every segment). */
function projectionCount(v: LinearVariant): number {
  return segmentsOf(v)[0]!.names.length;
}

/** The bytes of the matrix-vector kernel's workgroup partial sums for this variant. */
export function matvecWorkgroupBytes(v: LinearVariant): number {
  return projectionCount(v) * MATVEC_MAX_ROWS * MATVEC_THREADS * 4;
}

/** `f(p, name)` for each projection of a segment, joined into WGSL statements. */
function perProjection(names: readonly string[], f: (p: number, name: string) => string, separator = '\n'): string {
  return names.map((name, p) => f(p, name)).join(separator);
}

/** `f(p)` for each accumulator p of the variant, joined. */
function perAccumulator(v: LinearVariant, f: (p: number) => string, separator: string): string {
  return Array.from({ length: projectionCount(v) }, (_, p) => f(p)).join(separator);
}

/**
 * WGSL that runs `f(segment)` for the workgroup's segment: the code itself for one segment, else a switch on `seg`
 * (uniform across the workgroup, so each thread runs one segment's code as linear's kernel would).
 */
function bySegment(v: LinearVariant, f: (segment: Segment) => string, indent = '  '): string {
  const segments = segmentsOf(v);
  if (segments.length === 1) return f(segments[0]!);
  const cases = segments.map((segment, s) => `${s === segments.length - 1 ? 'default' : `case ${s}u`}: {\n${f(segment)}\n${indent}}`);
  return `switch seg {\n${indent}${cases.join(`\n${indent}`)}\n${indent}}`;
}

/**
 * WGSL that finds the workgroup's place among the segments from its index `group` when each segment's columns take
 * ceil(M_s / width) workgroups: \`g\` (the workgroup within its segment), \`seg\` and \`mCount\` (the segment's columns).
 * Workgroups past the last segment stay in it with columns >= mCount, which write nothing.
 */
function locateSegment(v: LinearVariant, group: string, width: number): string {
  const segments = segmentsOf(v);
  if (segments.length === 1) return `let g = ${group};\n  let mCount = ${segments[0]!.mCount};`;
  const groups = (s: Segment) => `((${s.mCount} + ${width - 1}u) / ${width}u)`;
  const steps = segments.slice(0, -1).map((s, i) =>
    `if (seg == ${i}u && g >= ${groups(s)}) { g = g - ${groups(s)}; seg = ${i + 1}u; mCount = ${segments[i + 1]!.mCount}; }`);
  return `var seg = 0u;\n  var g = ${group};\n  var mCount = ${segments[0]!.mCount};\n  ${steps.join('\n  ')}`;
}

/** Workgroups the columns of segments of `columns` take when each workgroup covers `width` columns of one segment. */
export function segmentGroups(columns: readonly number[], width: number): number {
  return columns.reduce((sum, m) => sum + Math.ceil(m / width), 0);
}

/**
 * Bindings, biases and the store functions of every linear kernel (`storeColumn(row, col, sums...)`, one sum per
 * projection; `storeColumn<s>` per segment of linearMany): linear writes sum + bias; the gated variant writes
 * silu(gate sum + gate bias) * (up sum + up bias) as siluMul does. Bindings: x, the weights, the biases, the
 * outputs, in segment order. `vec4` reads x and the weights four at a time.
 */
function header(v: LinearVariant, vec4 = false): string {
  const segments = segmentsOf(v);
  let binding = 2;
  const weights = segments.flatMap((s) => s.names).map((name) => (vec4 ? weightBinding4 : weightBinding)(binding++, name, v.weight, v.shaderF16)).join('');
  const biases = segments.flatMap((s) => s.biases).map((name) => weightBinding(binding++, name, v.bias!, v.shaderF16)).join('');
  const outs = segments.map((s) => `@group(0) @binding(${binding++}) var<storage, read_write> ${s.out}: array<f32>;`).join('\n');
  const fields = segments.length === 1 ? 'm: u32, mStart: u32, mCount: u32' : segments.map((_, i) => `m${i}: u32`).join(', ');
  const stores = segments.map((s) => {
    const column = s.mStart ? `${s.mStart} + col` : 'col';
    const biasAt = (name: string | undefined) => (name ? `load_${name}(${column})` : '0.0');
    const sums = s.names.map((_, p) => `s${p}: f32`).join(', ');
    const at = `row * ${s.m} + ${column}`;
    const store = v.gated
      ? `let gate = s0 + ${biasAt(s.biases[0])};\n  let up = s1 + ${biasAt(s.biases[1])};\n  ${s.out}[${at}] = ${siluMulExpression('gate', 'up')};`
      : `${s.out}[${at}] = s0 + ${biasAt(s.biases[0])};`;
    return `fn ${s.store}(row: u32, col: u32, ${sums}) {\n  ${store}\n}`;
  }).join('\n');
  return /* wgsl */ `${enables(v.bias ? [v.weight, v.bias] : [v.weight], v.shaderF16)}
struct Params { rows: u32, k: u32, ${fields} }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<${vec4 ? 'vec4<f32>' : 'f32'}>;
${weights}${biases}
${outs}
${stores}
`;
}

/** The accumulator of projection p for row n: acc holds MATVEC_MAX_ROWS rows per projection. */
const accSlot = (p: number) => (p === 0 ? 'n' : `${p * MATVEC_MAX_ROWS}u + n`);

/** WGSL that adds this thread's share of column `col` of the weights `names` (one segment's) into acc. */
type Accumulate = (names: readonly string[]) => string;

/**
 * The matrix-vector kernel around `accumulate` (WGSL that adds this lane's share of column `col` into
 * acc[p * MATVEC_MAX_ROWS + n] for each projection p and row n < rows): LANES threads per column, their
 * partials summed in workgroup memory.
 */
function matvecKernel(v: LinearVariant, vec4: boolean, accumulate: Accumulate): string {
  const T = MATVEC_THREADS;
  const L = MATVEC_LANES;
  const R = MATVEC_MAX_ROWS;
  const A = projectionCount(v);
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
  ${locateSegment(v, 'groupIndex(wid, nwg)', T / L)}
  let col = g * ${T / L}u + lid / ${L}u;
  let inRange = col < mCount;
  var acc: array<f32, ${A * R}>;
  if (inRange) {
  ${bySegment(v, (s) => accumulate(s.names))}
  }
  for (var n = 0u; n < ${A * R}u; n = n + 1u) { partial[n * ${T}u + lid] = acc[n]; }
  workgroupBarrier();
  for (var stride = ${L / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lane < stride) {
      for (var n = 0u; n < params.rows; n = n + 1u) {
        ${perAccumulator(v, (p) => `${partialAt(p)} = ${partialAt(p)} + ${partialAt(p, ' + stride')};`, '\n        ')}
      }
    }
    workgroupBarrier();
  }
  if (inRange && lane == 0u) {
  ${bySegment(v, (s) => `    for (var n = 0u; n < params.rows; n = n + 1u) {
      ${s.store}(n, col, ${perAccumulator(v, (p) => partialAt(p), ', ')});
    }`)}
  }
}
`;
}

/** Accumulates x[n, i] * weight[col, i] for i = start, start + step, ... < K, one weight element at a time. */
function scalarAccumulate(names: readonly string[], start: string, step: string): string {
  return /* wgsl */ `
    let wBase = col * params.k;
    for (var i = ${start}; i < params.k; i = i + ${step}) {
      ${perProjection(names, (_, name) => `let ${name}v = load_${name}(wBase + i);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xv = x[n * params.k + i];
        ${perProjection(names, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + xv * ${name}v;`, '\n        ')}
      }
    }`;
}

/**
 * MATVEC_COLUMNS output columns per workgroup of MATVEC_THREADS threads: LANES threads per column split K
 * (reading neighbouring weights together) and sum their partials in workgroup memory. `pairs` reads two
 * weights at once (K even).
 */
export function matvecSource(v: LinearVariant, pairs: boolean): string {
  const accumulate: Accumulate = (names) => pairs
    ? /* wgsl */ `
    let half = params.k / 2u;
    let wBase = col * half;
    for (var j = lane; j < half; j = j + ${MATVEC_LANES}u) {
      ${perProjection(names, (_, name) => `let ${name}v = load2_${name}(wBase + j);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xi = n * params.k + 2u * j;
        let x0 = x[xi];
        let x1 = x[xi + 1u];
        ${perProjection(names, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + x0 * ${name}v.x + x1 * ${name}v.y;`, '\n        ')}
      }
    }`
    : scalarAccumulate(names, 'lane', `${MATVEC_LANES}u`);
  return matvecKernel(v, false, accumulate);
}

/**
 * The matrix-vector kernel of `matvecSource` for K a multiple of 4: x and the weights are read as
 * vec4 (16-byte loads of x and float32 weights, 8-byte loads of float16 / bfloat16).
 */
export function matvecVec4Source(v: LinearVariant): string {
  return matvecKernel(v, true, (names) => /* wgsl */ `
    let quads = params.k / 4u;
    let wBase = col * quads;
    for (var j = lane; j < quads; j = j + ${MATVEC_LANES}u) {
      ${perProjection(names, (_, name) => `let ${name}v = load4_${name}(wBase + j);`, '\n      ')}
      for (var n = 0u; n < params.rows; n = n + 1u) {
        let xv = x[n * quads + j];
        ${perProjection(names, (p, name) => `acc[${accSlot(p)}] = acc[${accSlot(p)}] + dot(xv, ${name}v);`, '\n        ')}
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
  ${locateSegment(v, 'groupIndex(wid, nwg)', T)}
  let col = g * ${T}u + lid;
  if (col >= mCount) { return; }
  var acc: array<f32, ${projectionCount(v) * R}>;
  ${bySegment(v, (s) => `${scalarAccumulate(s.names, '0u', '1u')}
  for (var n = 0u; n < params.rows; n = n + 1u) {
    ${s.store}(n, col, ${perAccumulator(v, (p) => `acc[${accSlot(p)}]`, ', ')});
  }`)}
}
`;
}

/**
 * Workgroup (x: column tile, y: row tile) of 8 x 8 threads computing a TILE x TILE block through shared tiles of K
 * (one shared weight tile per projection, all multiplied by the same tile of x). linearMany's segments each take
 * ceil(M_s / TILE) column tiles, so a tile never straddles two weights; the loop over K (its barriers included) runs in
 * the switch on the segment, uniform across the workgroup.
 */
export function tiledSource(v: LinearVariant): string {
  const tileElements = TILE * TILE_K;
  const A = projectionCount(v);
  const tileAt = (p: number, index: string) => (p === 0 ? index : `${p * tileElements}u + ${index}`);
  // The loop over K in tiles, reading the weights `names` (one segment's; in a switch on the workgroup's segment, so
  // the tile loads do not branch on it).
  const kLoop = (names: readonly string[]) => /* wgsl */ `for (var k0 = 0u; k0 < params.k; k0 = k0 + ${TILE_K}u) {
    for (var e = 0u; e < ${tileElements / 64}u; e = e + 1u) {
      let idx = lid + 64u * e;
      let r = idx / ${TILE_K}u;
      let c = k0 + idx % ${TILE_K}u;
      var xv = 0.0;
      if (row0 + r < params.rows && c < params.k) { xv = x[(row0 + r) * params.k + c]; }
      xs[idx] = xv;
      let inWeight = col0 + r < mCount && c < params.k;
      ${perProjection(names, (p, name) => `var ${name}v = 0.0;\n      if (inWeight) { ${name}v = load_${name}((col0 + r) * params.k + c); }\n      ws[${tileAt(p, 'idx')}] = ${name}v;`, '\n      ')}
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
      var wk: array<f32, ${4 * A}>;
      for (var j = 0u; j < 4u; j = j + 1u) {
        ${perAccumulator(v, (p) => `wk[${p * 4}u + j] = ws[${tileAt(p, `(tx * 4u + j) * ${TILE_K}u + kk`)}];`, '\n        ')}
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        let xv = xs[(ty * 4u + i) * ${TILE_K}u + kk];
        for (var j = 0u; j < 4u; j = j + 1u) {
          ${perAccumulator(v, (p) => `acc[${p * 16}u + i * 4u + j] = acc[${p * 16}u + i * 4u + j] + xv * wk[${p * 4}u + j];`, '\n          ')}
        }
      }
    }
    workgroupBarrier();
  }`;
  return /* wgsl */ `${header(v)}
var<workgroup> xs: array<f32, ${tileElements}>;
var<workgroup> ws: array<f32, ${A * tileElements}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${locateSegment(v, 'wid.x', TILE)}
  let col0 = g * ${TILE}u;
  let row0 = wid.y * ${TILE}u;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var acc: array<f32, ${16 * A}>;
  ${bySegment(v, (s) => kLoop(s.names))}
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = row0 + ty * 4u + i;
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + tx * 4u + j;
      if (row < params.rows && col < mCount) {
        ${bySegment(v, (s) => `${s.store}(row, col, ${perAccumulator(v, (p) => `acc[${p * 16}u + i * 4u + j]`, ', ')});`, '        ')}
      }
    }
  }
}
`;
}
