// WGSL snippets shared by the kernels.
import type { DType } from '@cria/core';

/** Threads of the row-per-workgroup kernels (norms, softmax, reductions). */
export const ROW_THREADS = 256;
/** Threads of the elementwise kernels. */
export const ELEMENT_THREADS = 256;

const MAX_GROUPS = 65535;

/** Workgroup counts for `count` workgroups, folded into two dimensions past the per-dimension limit. */
export function grid(count: number): [number, number, number] {
  if (count <= MAX_GROUPS) return [Math.max(count, 1), 1, 1];
  return [MAX_GROUPS, Math.ceil(count / MAX_GROUPS), 1];
}

/** The linear workgroup index of a `grid()` dispatch: `let group = groupIndex(wid, nwg);`. */
export const GROUP_INDEX = /* wgsl */ `
fn groupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }
`;

/** The dtypes a weight may be stored in. */
export type WeightDType = 'float32' | 'float16' | 'bfloat16';

export function isWeightDType(dtype: DType): dtype is WeightDType {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/**
 * A read-only weight binding `name` at `binding` and its loaders: `load_<name>(i) -> f32` for element i
 * and `load2_<name>(j) -> vec2<f32>` for elements 2j, 2j+1. float16 is read as `f16` with shader-f16,
 * else unpacked from u32 pairs; bfloat16 is unpacked from u32 pairs.
 */
export function weightBinding(binding: number, name: string, dtype: WeightDType, shaderF16: boolean): string {
  if (dtype === 'float32') {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<f32>;
fn load_${name}(i: u32) -> f32 { return ${name}[i]; }
fn load2_${name}(j: u32) -> vec2<f32> { return vec2<f32>(${name}[2u * j], ${name}[2u * j + 1u]); }
`;
  }
  if (dtype === 'float16' && shaderF16) {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<f16>;
fn load_${name}(i: u32) -> f32 { return f32(${name}[i]); }
fn load2_${name}(j: u32) -> vec2<f32> { return vec2<f32>(f32(${name}[2u * j]), f32(${name}[2u * j + 1u])); }
`;
  }
  if (dtype === 'float16') {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<u32>;
fn load_${name}(i: u32) -> f32 { return unpack2x16float(${name}[i >> 1u])[i & 1u]; }
fn load2_${name}(j: u32) -> vec2<f32> { return unpack2x16float(${name}[j]); }
`;
  }
  return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<u32>;
fn load_${name}(i: u32) -> f32 {
  let word = ${name}[i >> 1u];
  return bitcast<f32>(select(word << 16u, word & 0xffff0000u, (i & 1u) == 1u));
}
fn load2_${name}(j: u32) -> vec2<f32> {
  let word = ${name}[j];
  return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u));
}
`;
}

/**
 * A read-only weight binding `name` read four elements at a time: `load4_<name>(j) -> vec4<f32>` gives
 * elements 4j .. 4j+3 (16-byte loads for float32, 8-byte loads for the two-byte dtypes).
 */
export function weightBinding4(binding: number, name: string, dtype: WeightDType, shaderF16: boolean): string {
  if (dtype === 'float32') {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec4<f32>>;
fn load4_${name}(j: u32) -> vec4<f32> { return ${name}[j]; }
`;
  }
  if (dtype === 'float16' && shaderF16) {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec4<f16>>;
fn load4_${name}(j: u32) -> vec4<f32> { return vec4<f32>(${name}[j]); }
`;
  }
  if (dtype === 'float16') {
    return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec2<u32>>;
fn load4_${name}(j: u32) -> vec4<f32> {
  let p = ${name}[j];
  return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y));
}
`;
  }
  return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec2<u32>>;
fn load4_${name}(j: u32) -> vec4<f32> {
  let p = ${name}[j];
  return vec4<f32>(bitcast<f32>(p.x << 16u), bitcast<f32>(p.x & 0xffff0000u), bitcast<f32>(p.y << 16u), bitcast<f32>(p.y & 0xffff0000u));
}
`;
}

/** `enable f16;` when any of the dtypes is float16 read natively. Must open the module. */
export function enables(dtypes: readonly WeightDType[], shaderF16: boolean): string {
  return shaderF16 && dtypes.includes('float16') ? 'enable f16;\n' : '';
}

/** Exact conversions between f32 and the bits of f16 / bf16 (round to nearest even), independent of the GPU's own rounding. */
export const HALF_CONVERSIONS = /* wgsl */ `
fn f16BitsToF32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    let v = f32(m) * 5.9604644775390625e-8;
    return select(v, -v, sign != 0u);
  }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

fn f32BitsToF16(x: u32) -> u32 {
  let sign = (x >> 16u) & 0x8000u;
  let e = (x >> 23u) & 0xffu;
  let m = x & 0x7fffffu;
  if (e == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u | (m >> 13u), m != 0u); }
  if (e >= 143u) { return sign | 0x7c00u; }
  if (e <= 112u) {
    let shift = 126u - e;
    if (shift >= 25u) { return sign; }
    let mant = m | 0x800000u;
    var q = mant >> shift;
    let rem = mant & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u) == 1u)) { q = q + 1u; }
    return sign | q;
  }
  var h = sign | ((e - 112u) << 10u) | (m >> 13u);
  let rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; }
  return h;
}

fn bf16BitsToF32(h: u32) -> f32 { return bitcast<f32>(h << 16u); }

fn f32BitsToBf16(x: u32) -> u32 {
  if ((x & 0x7fffffffu) > 0x7f800000u) { return ((x >> 16u) | 0x40u) & 0xffffu; }
  return ((x + 0x7fffu + ((x >> 16u) & 1u)) >> 16u) & 0xffffu;
}
`;

/**
 * WGSL `workgroupSum` and `workgroupMax`: tree reductions over a workgroup of `threads` threads (a power
 * of two), through workgroup memory. Call from uniform control flow.
 */
export function workgroupReduce(threads: number): string {
  return /* wgsl */ `
var<workgroup> reduceScratch: array<f32, ${threads}>;

fn workgroupSum(value: f32, lid: u32) -> f32 {
  reduceScratch[lid] = value;
  workgroupBarrier();
  for (var stride = ${threads / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lid < stride) { reduceScratch[lid] = reduceScratch[lid] + reduceScratch[lid + stride]; }
    workgroupBarrier();
  }
  let total = reduceScratch[0];
  workgroupBarrier();
  return total;
}

fn workgroupMax(value: f32, lid: u32) -> f32 {
  reduceScratch[lid] = value;
  workgroupBarrier();
  for (var stride = ${threads / 2}u; stride > 0u; stride = stride >> 1u) {
    if (lid < stride) { reduceScratch[lid] = max(reduceScratch[lid], reduceScratch[lid + stride]); }
    workgroupBarrier();
  }
  let total = reduceScratch[0];
  workgroupBarrier();
  return total;
}
`;
}

/** `workgroupReduce` for the ROW_THREADS-thread kernels. */
export const WORKGROUP_REDUCE = workgroupReduce(ROW_THREADS);
