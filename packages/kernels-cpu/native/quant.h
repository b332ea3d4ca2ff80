// The byte-vector layer under the block-format kernels (quant.inc), one section per instruction set as in vec.h:
// `B16` holds 16 bytes; the kernels unpack a block's nibbles and high bits with byte operations on it, then widen 16
// small integers to 16/VL float vectors of vec.h. Every section gives:
//   b_load (16 bytes, unaligned), b_splat, b_and, b_or, b_sub (wrapping), b_shr<N> / b_shl<N> (bytes shifted, zeros
//   shifted in), b_bits (byte j = 0xff where bit j of a 16-bit mask is set), widen_u / widen_s (16 unsigned / signed
//   bytes to 16 floats, as 16/VL vectors), and h2f (a float16 read from an unaligned address, exactly).
#pragma once
#include "vec.h"

namespace cria_vec {

/** float16 -> float32, exactly (subnormals, infinities and NaN included), for ISAs without a conversion instruction. */
static inline float h2f_portable(uint16_t h) {
  union { uint32_t u; float f; } v;
  const uint32_t em = h & 0x7fffu, sign = (uint32_t)(h & 0x8000u) << 16;
  if (em >= 0x7c00u) {
    v.u = sign | 0x7f800000u | ((em & 0x3ffu) << 13);
  } else {
    v.u = em << 13;
    v.f *= 5.192296858534828e33f;  // 2^112 rebiases the exponent (and normalises a subnormal), exactly
    v.u |= sign;
  }
  return v.f;
}
static inline uint16_t read_u16(const uint8_t* p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}
static inline uint32_t read_u32(const uint8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

#if defined(__AVX512F__) || defined(__AVX2__)
typedef __m128i B16;
static inline float h2f(const uint8_t* p) { return _cvtsh_ss(read_u16(p)); }
static inline B16 b_load(const uint8_t* p) { return _mm_loadu_si128((const __m128i*)p); }
static inline B16 b_splat(uint8_t v) { return _mm_set1_epi8((char)v); }
static inline B16 b_and(B16 a, B16 b) { return _mm_and_si128(a, b); }
static inline B16 b_or(B16 a, B16 b) { return _mm_or_si128(a, b); }
static inline B16 b_sub(B16 a, B16 b) { return _mm_sub_epi8(a, b); }
template <int N> static inline B16 b_shr(B16 a) { return _mm_and_si128(_mm_srli_epi16(a, N), _mm_set1_epi8((char)(0xff >> N))); }
template <int N> static inline B16 b_shl(B16 a) { return _mm_and_si128(_mm_slli_epi16(a, N), _mm_set1_epi8((char)((0xff << N) & 0xff))); }
#if defined(__AVX512BW__) && defined(__AVX512VL__)
static inline B16 b_bits(uint32_t bits) { return _mm_movm_epi8((__mmask16)bits); }
#else
static inline B16 b_bits(uint32_t bits) {
  // Byte j takes byte j / 8 of the mask, keeps bit j % 8, and becomes 0xff where it is set.
  const B16 spread = _mm_shuffle_epi8(_mm_cvtsi32_si128((int)bits), _mm_set_epi64x(0x0101010101010101LL, 0));
  const B16 select = _mm_set1_epi64x((long long)0x8040201008040201ULL);
  return _mm_cmpeq_epi8(_mm_and_si128(spread, select), select);
}
#endif
#if defined(__AVX512F__)
static inline void widen_u(B16 q, V* out) { out[0] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q)); }
static inline void widen_s(B16 q, V* out) { out[0] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)); }
#else
static inline void widen_u(B16 q, V* out) {
  out[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
  out[1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(q, 8)));
}
static inline void widen_s(B16 q, V* out) {
  out[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
  out[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)));
}
#endif

#elif defined(__ARM_NEON)
typedef uint8x16_t B16;
static inline float h2f(const uint8_t* p) { return h2f_portable(read_u16(p)); }
static inline B16 b_load(const uint8_t* p) { return vld1q_u8(p); }
static inline B16 b_splat(uint8_t v) { return vdupq_n_u8(v); }
static inline B16 b_and(B16 a, B16 b) { return vandq_u8(a, b); }
static inline B16 b_or(B16 a, B16 b) { return vorrq_u8(a, b); }
static inline B16 b_sub(B16 a, B16 b) { return vsubq_u8(a, b); }
template <int N> static inline B16 b_shr(B16 a) { return vshrq_n_u8(a, N); }
template <int N> static inline B16 b_shl(B16 a) { return vshlq_n_u8(a, N); }
static inline B16 b_bits(uint32_t bits) {
  static const uint8_t select[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const B16 spread = vcombine_u8(vdup_n_u8((uint8_t)bits), vdup_n_u8((uint8_t)(bits >> 8)));
  return vtstq_u8(spread, vld1q_u8(select));
}
static inline void widen_u(B16 q, V* out) {
  const uint16x8_t lo = vmovl_u8(vget_low_u8(q)), hi = vmovl_u8(vget_high_u8(q));
  out[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
  out[1] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(lo)));
  out[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
  out[3] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(hi)));
}
static inline void widen_s(B16 q, V* out) {
  const int8x16_t s = vreinterpretq_s8_u8(q);
  const int16x8_t lo = vmovl_s8(vget_low_s8(s)), hi = vmovl_s8(vget_high_s8(s));
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
  out[1] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(lo)));
  out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
  out[3] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(hi)));
}

#elif defined(__wasm_simd128__)
typedef v128_t B16;
static inline float h2f(const uint8_t* p) { return h2f_portable(read_u16(p)); }
static inline B16 b_load(const uint8_t* p) { return wasm_v128_load(p); }
static inline B16 b_splat(uint8_t v) { return wasm_i8x16_splat((int8_t)v); }
static inline B16 b_and(B16 a, B16 b) { return wasm_v128_and(a, b); }
static inline B16 b_or(B16 a, B16 b) { return wasm_v128_or(a, b); }
static inline B16 b_sub(B16 a, B16 b) { return wasm_i8x16_sub(a, b); }
template <int N> static inline B16 b_shr(B16 a) { return wasm_u8x16_shr(a, N); }
template <int N> static inline B16 b_shl(B16 a) { return wasm_i8x16_shl(a, N); }
static inline B16 b_bits(uint32_t bits) {
  const v128_t spread = wasm_i8x16_swizzle(wasm_i16x8_splat((int16_t)bits), wasm_i8x16_const(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const v128_t select = wasm_u8x16_const(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
  return wasm_i8x16_eq(wasm_v128_and(spread, select), select);
}
// Byte 4i + j to int32 lane j by one byte shuffle (zeros from the second operand; for the signed form, to the top
// byte and then an arithmetic shift), then converted: twice as fast under V8 as extending 8 -> 16 -> 32 bits.
#define CRIA_SPREAD(q, i) wasm_i8x16_shuffle(q, wasm_i8x16_splat(0), 4 * i, 16, 16, 16, 4 * i + 1, 16, 16, 16, 4 * i + 2, 16, 16, 16, 4 * i + 3, 16, 16, 16)
#define CRIA_SPREAD_TOP(q, i) wasm_i8x16_shuffle(q, wasm_i8x16_splat(0), 16, 16, 16, 4 * i, 16, 16, 16, 4 * i + 1, 16, 16, 16, 4 * i + 2, 16, 16, 16, 4 * i + 3)
static inline void widen_u(B16 q, V* out) {
  out[0] = wasm_f32x4_convert_i32x4(CRIA_SPREAD(q, 0));
  out[1] = wasm_f32x4_convert_i32x4(CRIA_SPREAD(q, 1));
  out[2] = wasm_f32x4_convert_i32x4(CRIA_SPREAD(q, 2));
  out[3] = wasm_f32x4_convert_i32x4(CRIA_SPREAD(q, 3));
}
static inline void widen_s(B16 q, V* out) {
  out[0] = wasm_f32x4_convert_i32x4(wasm_i32x4_shr(CRIA_SPREAD_TOP(q, 0), 24));
  out[1] = wasm_f32x4_convert_i32x4(wasm_i32x4_shr(CRIA_SPREAD_TOP(q, 1), 24));
  out[2] = wasm_f32x4_convert_i32x4(wasm_i32x4_shr(CRIA_SPREAD_TOP(q, 2), 24));
  out[3] = wasm_f32x4_convert_i32x4(wasm_i32x4_shr(CRIA_SPREAD_TOP(q, 3), 24));
}
#undef CRIA_SPREAD
#undef CRIA_SPREAD_TOP

#else
// The plain fallback: 16 bytes in an array.
struct B16 { uint8_t b[16]; };
static inline float h2f(const uint8_t* p) { return h2f_portable(read_u16(p)); }
static inline B16 b_load(const uint8_t* p) { B16 r; __builtin_memcpy(r.b, p, 16); return r; }
static inline B16 b_splat(uint8_t v) { B16 r; for (int i = 0; i < 16; i++) r.b[i] = v; return r; }
#define CRIA_BYTEWISE(name, expr) \
  static inline B16 name(B16 a, B16 b) { B16 r; for (int i = 0; i < 16; i++) { const uint8_t x = a.b[i], y = b.b[i]; r.b[i] = (uint8_t)(expr); } return r; }
CRIA_BYTEWISE(b_and, x & y)
CRIA_BYTEWISE(b_or, x | y)
CRIA_BYTEWISE(b_sub, x - y)
#undef CRIA_BYTEWISE
template <int N> static inline B16 b_shr(B16 a) { B16 r; for (int i = 0; i < 16; i++) r.b[i] = (uint8_t)(a.b[i] >> N); return r; }
template <int N> static inline B16 b_shl(B16 a) { B16 r; for (int i = 0; i < 16; i++) r.b[i] = (uint8_t)(a.b[i] << N); return r; }
static inline B16 b_bits(uint32_t bits) { B16 r; for (int i = 0; i < 16; i++) r.b[i] = (bits >> i) & 1 ? 0xff : 0; return r; }
static inline void widen_u(B16 q, V* out) {
  for (int i = 0; i < 16; i++) out[i / 4].f[i % 4] = (float)q.b[i];
}
static inline void widen_s(B16 q, V* out) {
  for (int i = 0; i < 16; i++) out[i / 4].f[i % 4] = (float)(int8_t)q.b[i];
}
#endif

}  // namespace cria_vec
