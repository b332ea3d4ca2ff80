// cast between float32, float16, bfloat16 (round to nearest even) and int32 (floats truncate toward zero).
// Works on raw bits so that subnormals and the rounding do not depend on the GPU's float unit.
import type { DType, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { ELEMENT_THREADS, GROUP_INDEX, HALF_CONVERSIONS, grid } from './wgsl.js';

export type CastDType = 'float32' | 'float16' | 'bfloat16' | 'int32';
export const CAST_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32'];

const isHalf = (d: CastDType) => d === 'float16' || d === 'bfloat16';

/** WGSL returning the float32 bits (or, from int32 to int32, the int bits) of input element i. */
function loadBits(from: CastDType, to: CastDType): string {
  switch (from) {
    case 'float32':
      return 'x[i]';
    case 'int32':
      return to === 'int32' ? 'x[i]' : 'bitcast<u32>(f32(bitcast<i32>(x[i])))';
    case 'float16':
      return 'bitcast<u32>(f16BitsToF32(halfAt(i)))';
    case 'bfloat16':
      return '(halfAt(i) << 16u)';
  }
}

/** WGSL converting float32 bits `v` (int bits when both are int32) to the output's bits. */
function storeBits(from: CastDType, to: CastDType): string {
  switch (to) {
    case 'float32':
      return 'v';
    case 'int32':
      return from === 'int32' ? 'v' : 'bitcast<u32>(i32(bitcast<f32>(v)))';
    case 'float16':
      return 'f32BitsToF16(v)';
    case 'bfloat16':
      return 'f32BitsToBf16(v)';
  }
}

function source(from: CastDType, to: CastDType): string {
  const convert = `fn convert(i: u32) -> u32 { let v = ${loadBits(from, to)}; return ${storeBits(from, to)}; }`;
  // Two-byte outputs: one thread writes one u32 word (two elements), so no two threads share a word.
  const body = isHalf(to)
    ? /* wgsl */ `
  let first = t * 2u;
  if (first >= params.count) { return; }
  var word = convert(first);
  if (first + 1u < params.count) { word = word | (convert(first + 1u) << 16u); }
  out[t] = word;`
    : /* wgsl */ `
  if (t >= params.count) { return; }
  out[t] = convert(t);`;
  return /* wgsl */ `
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
${GROUP_INDEX}
${HALF_CONVERSIONS}
fn halfAt(i: u32) -> u32 { return (x[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu; }
${convert}
@compute @workgroup_size(${ELEMENT_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = groupIndex(wid, nwg) * ${ELEMENT_THREADS}u + lid;
  ${body}
}
`;
}

export function cast(ctx: KernelContext, x: Tensor, to: CastDType): Tensor {
  const from = x.dtype as CastDType;
  const out = ctx.output(x.shape, to);
  if (x.size === 0) return out;
  const threads = isHalf(to) ? Math.ceil(x.size / 2) : x.size;
  ctx.dispatch(
    ctx.pipeline(`cast:${from}:${to}`, () => source(from, to)),
    [{ u32: x.size }],
    [ctx.buffer(x, 'cast x'), ctx.buffer(out, 'output')],
    grid(Math.ceil(threads / ELEMENT_THREADS)),
  );
  return out;
}
