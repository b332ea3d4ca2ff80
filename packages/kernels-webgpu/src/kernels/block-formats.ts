// WGSL that reads llama.cpp's block formats (ggml-common.h layouts) from a storage buffer of u32 words and dequantizes
// them in registers, as core's dequantize (packages/core/src/quant) does: the same float32 operations in the same
// order, so a value read here is the value core's dequantize gives. A block starts at any even byte (blocks are
// 18, 20, 22, 24, 34, 144, 176 or 210 bytes), so bytes and halves are read from the enclosing words and shifted.
import { type QuantDType, quantBlock } from '@cria/core';
import { HALF_CONVERSIONS } from './wgsl.js';

/** The block formats these kernels read (all of llama.cpp's formats that cria has). */
export const BLOCK_KERNEL_DTYPES: readonly QuantDType[] = ['q8_0', 'q4_k', 'q4_0', 'q6_k', 'q5_k', 'q4_1', 'q5_0', 'q5_1'];

/** Bytes of one row of `cols` values of a block format (cols a whole number of blocks). */
export function blockRowBytes(dtype: QuantDType, cols: number): number {
  const { blockElements, blockBytes } = quantBlock(dtype);
  return (cols / blockElements) * blockBytes;
}

/**
 * Helpers every block-format module needs once (whatever the bindings): the exact f16 -> f32 conversion (subnormals
 * included) and the split of a word into its four bytes.
 */
export const BLOCK_PRELUDE = /* wgsl */ `${HALF_CONVERSIONS}
fn bytesOf(q: u32) -> vec4<u32> { return vec4<u32>(q & 0xffu, (q >> 8u) & 0xffu, (q >> 16u) & 0xffu, q >> 24u); }
fn nibblesOf(q: u32, shift: u32) -> vec4<u32> { return (bytesOf(q) >> vec4<u32>(shift)) & vec4<u32>(0xfu); }
fn signedBytesOf(q: u32) -> vec4<f32> {
  let s = bitcast<i32>(q);
  return vec4<f32>(f32(extractBits(s, 0u, 8u)), f32(extractBits(s, 8u, 8u)), f32(extractBits(s, 16u, 8u)), f32(extractBits(s, 24u, 8u)));
}
`;

/** The decoding of one format: WGSL statements that set `v` (vec4<f32>) from block byte `b` and element `e` (e % 4 == 0). */
const QUAD: Readonly<Record<QuantDType, (n: string) => string>> = {
  // block_q8_0 { half d; int8 qs[32]; }: qs[e] * d.
  q8_0: (n) => `let d = half_${n}(b);
  v = signedBytesOf(bytes4_${n}(b + 2u + e)) * d;`,
  // block_q4_0 { half d; u8 qs[16]; }: element e < 16 is the low nibble of qs[e], else the high nibble of qs[e - 16]; (q - 8) * d.
  q4_0: (n) => `let d = half_${n}(b);
  let q = nibblesOf(bytes4_${n}(b + 2u + (e & 15u)), select(0u, 4u, e >= 16u));
  v = (vec4<f32>(q) - vec4<f32>(8.0)) * d;`,
  // block_q4_1 { half d, m; u8 qs[16]; }: q * d + m (two roundings).
  q4_1: (n) => `let d = half_${n}(b);
  let m = half_${n}(b + 2u);
  let q = nibblesOf(bytes4_${n}(b + 4u + (e & 15u)), select(0u, 4u, e >= 16u));
  let p = vec4<f32>(q) * d;
  v = keep4(p) + m;`,
  // block_q5_0 { half d; u8 qh[4]; u8 qs[16]; }: the fifth bit of element e is bit e of qh; (q - 16) * d.
  q5_0: (n) => `let d = half_${n}(b);
  let qh = bytes4_${n}(b + 2u);
  let q = nibblesOf(bytes4_${n}(b + 6u + (e & 15u)), select(0u, 4u, e >= 16u)) | (((vec4<u32>(qh >> e) >> vec4<u32>(0u, 1u, 2u, 3u)) & vec4<u32>(1u)) << vec4<u32>(4u));
  v = (vec4<f32>(q) - vec4<f32>(16.0)) * d;`,
  // block_q5_1 { half d, m; u8 qh[4]; u8 qs[16]; }: q * d + m.
  q5_1: (n) => `let d = half_${n}(b);
  let m = half_${n}(b + 2u);
  let qh = bytes4_${n}(b + 4u);
  let q = nibblesOf(bytes4_${n}(b + 8u + (e & 15u)), select(0u, 4u, e >= 16u)) | (((vec4<u32>(qh >> e) >> vec4<u32>(0u, 1u, 2u, 3u)) & vec4<u32>(1u)) << vec4<u32>(4u));
  let p = vec4<f32>(q) * d;
  v = keep4(p) + m;`,
  // block_q4_K { half d, dmin; u8 scales[12]; u8 qs[128]; }: 64 elements per 32 bytes of qs (low nibbles then high),
  // sub-block s = e / 32 with 6-bit scale and min; (d * sc) * q - (dmin * mn).
  q4_k: (n) => `let d = half_${n}(b);
  let dmin = half_${n}(b + 2u);
  let s = e / 32u;
  let sm = scaleMin_${n}(b + 4u, s);
  let d1 = d * f32(sm.x);
  let m1 = dmin * f32(sm.y);
  let q = nibblesOf(bytes4_${n}(b + 16u + 32u * (e / 64u) + (e & 31u)), 4u * (s & 1u));
  let p = keep4(vec4<f32>(q) * d1);
  v = p - vec4<f32>(keep(m1));`,
  // block_q5_K { half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }: as q4_K with the fifth bit of element e in
  // bit s of qh[e % 32].
  q5_k: (n) => `let d = half_${n}(b);
  let dmin = half_${n}(b + 2u);
  let s = e / 32u;
  let sm = scaleMin_${n}(b + 4u, s);
  let d1 = d * f32(sm.x);
  let m1 = dmin * f32(sm.y);
  let hi = (bytesOf(bytes4_${n}(b + 16u + (e & 31u))) >> vec4<u32>(s)) & vec4<u32>(1u);
  let q = nibblesOf(bytes4_${n}(b + 48u + 32u * (e / 64u) + (e & 31u)), 4u * (s & 1u)) + (hi << vec4<u32>(4u));
  let p = keep4(vec4<f32>(q) * d1);
  v = p - vec4<f32>(keep(m1));`,
  // block_q6_K { u8 ql[128]; u8 qh[64]; int8 scales[16]; half d; }: per half of 128 elements, part t = (e % 128) / 32
  // takes nibble (t >= 2) of ql[l + 32 (t & 1)] and bits 2t, 2t+1 of qh[l]; (d * scale) * (q - 32).
  q6_k: (n) => `let d = half_${n}(b + 208u);
  let h = e / 128u;
  let r = e & 127u;
  let t = r / 32u;
  let l = r & 31u;
  let lo = nibblesOf(bytes4_${n}(b + 64u * h + l + 32u * (t & 1u)), select(0u, 4u, t >= 2u));
  let hi = (bytesOf(bytes4_${n}(b + 128u + 32u * h + l)) >> vec4<u32>(2u * t)) & vec4<u32>(3u);
  let sc = f32(extractBits(bitcast<i32>(byte_${n}(b + 192u + 8u * h + (l >> 4u) + 2u * t)), 0u, 8u));
  let s = d * sc;
  v = s * (vec4<f32>(lo | (hi << vec4<u32>(4u))) - vec4<f32>(32.0));`,
};

/**
 * `keep`/`keep4`: an f32 product that must be rounded on its own before the add or subtract after it (as core's
 * fround(fround(a * b) + c)), not fused into an fma by the shader compiler: the value passes through its bits with
 * an opaque xor (by a uniform zero), which the compiler cannot see through.
 */
export const KEEP_ROUNDING = /* wgsl */ `
fn keep(a: f32) -> f32 { return bitcast<f32>(bitcast<u32>(a) ^ params.zero); }
fn keep4(a: vec4<f32>) -> vec4<f32> { return bitcast<vec4<f32>>(bitcast<vec4<u32>>(a) ^ vec4<u32>(params.zero)); }
`;

/**
 * A read-only block-format weight binding `name` at `binding` and its readers: `quad_<name>(rowByte, j) -> vec4<f32>`
 * gives elements 4j .. 4j+3 of the row whose blocks start at byte `rowByte`. Needs BLOCK_PRELUDE and KEEP_ROUNDING
 * (a `params.zero` uniform holding 0) in the module.
 */
export function blockWeightBinding(binding: number, name: string, dtype: QuantDType): string {
  const { blockElements, blockBytes } = quantBlock(dtype);
  const k = dtype.endsWith('_k');
  return /* wgsl */ `
@group(0) @binding(${binding}) var<storage, read> ${name}: array<u32>;
fn byte_${name}(off: u32) -> u32 { return (${name}[off >> 2u] >> ((off & 3u) * 8u)) & 0xffu; }
fn bytes4_${name}(off: u32) -> u32 {
  let i = off >> 2u;
  let shift = (off & 3u) * 8u;
  if (shift == 0u) { return ${name}[i]; }
  return (${name}[i] >> shift) | (${name}[i + 1u] << (32u - shift));
}
fn half_${name}(off: u32) -> f32 { return f16BitsToF32((${name}[off >> 2u] >> ((off & 2u) * 8u)) & 0xffffu); }
${k ? `fn scaleMin_${name}(at: u32, j: u32) -> vec2<u32> {
  if (j < 4u) { return vec2<u32>(byte_${name}(at + j) & 63u, byte_${name}(at + j + 4u) & 63u); }
  let c = byte_${name}(at + j + 4u);
  return vec2<u32>((c & 0xfu) | ((byte_${name}(at + j - 4u) >> 6u) << 4u), (c >> 4u) | ((byte_${name}(at + j) >> 6u) << 4u));
}` : ''}
fn quad_${name}(rowByte: u32, j: u32) -> vec4<f32> {
  let b = rowByte + (j / ${blockElements / 4}u) * ${blockBytes}u;
  let e = (j % ${blockElements / 4}u) * 4u;
  var v: vec4<f32>;
  ${QUAD[dtype](name)}
  return v;
}
`;
}
