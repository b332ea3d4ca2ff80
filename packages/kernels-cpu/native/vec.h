// The vector layer the kernels are written over: one section per instruction set, chosen by the compiler flags of
// the translation unit that includes it (kernels_avx512.cc, kernels_avx2.cc, kernels_neon.cc, the wasm build, the
// plain fallback). Every section gives the same operations on `V` (a vector of float32 lanes, `VL` of them):
//   zero, splat, load/store of VL floats (and of n < VL with zeros after), load of VL float16 / bfloat16 widened,
//   add, sub, mul, fma (a*b + c), max, hsum, hmax, and the integer bit tricks exp needs.
// Tails (n < VL) go through a small stack buffer, so no section needs masked instructions to be correct.
#pragma once
#include <stddef.h>
#include <stdint.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define CRIA_ISA_NAME "avx512"
namespace cria_vec {
constexpr int VL = 16;
typedef __m512 V;
typedef __m512i VI;
static inline V zero() { return _mm512_setzero_ps(); }
static inline V splat(float x) { return _mm512_set1_ps(x); }
static inline V load(const float* p) { return _mm512_loadu_ps(p); }
static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
static inline V load_f16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p)); }
static inline V load_bf16(const uint16_t* p) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)p)), 16));
}
static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
static inline V div(V a, V b) { return _mm512_div_ps(a, b); }
static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
static inline V min(V a, V b) { return _mm512_min_ps(a, b); }
// (GCC 12's _mm512_reduce_*_ps read an undefined register: halve by hand.)
static inline __m128 quarter_sum(V v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}
static inline float hsum(V v) {
  __m128 s = quarter_sum(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float hmax(V v) {
  const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline V round_nearest(V v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline VI to_int(V v) { return _mm512_cvtps_epi32(v); }
static inline VI add_i(VI a, VI b) { return _mm512_add_epi32(a, b); }
static inline VI splat_i(int32_t x) { return _mm512_set1_epi32(x); }
static inline VI shl_i(VI a, int n) { return _mm512_slli_epi32(a, n); }
static inline V as_float(VI a) { return _mm512_castsi512_ps(a); }
/** value where x >= lo, else 0. */
static inline V zero_below(V x, V lo, V value) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, lo, _CMP_GE_OQ), value); }
}  // namespace cria_vec

#elif defined(__AVX2__)
#include <immintrin.h>
#define CRIA_ISA_NAME "avx2"
namespace cria_vec {
constexpr int VL = 8;
typedef __m256 V;
typedef __m256i VI;
static inline V zero() { return _mm256_setzero_ps(); }
static inline V splat(float x) { return _mm256_set1_ps(x); }
static inline V load(const float* p) { return _mm256_loadu_ps(p); }
static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
static inline V load_f16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)p)); }
static inline V load_bf16(const uint16_t* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)p)), 16));
}
static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
static inline V div(V a, V b) { return _mm256_div_ps(a, b); }
static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
static inline V min(V a, V b) { return _mm256_min_ps(a, b); }
static inline float hsum(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline float hmax(V v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
static inline V round_nearest(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline VI to_int(V v) { return _mm256_cvtps_epi32(v); }
static inline VI add_i(VI a, VI b) { return _mm256_add_epi32(a, b); }
static inline VI splat_i(int32_t x) { return _mm256_set1_epi32(x); }
static inline VI shl_i(VI a, int n) { return _mm256_slli_epi32(a, n); }
static inline V as_float(VI a) { return _mm256_castsi256_ps(a); }
static inline V zero_below(V x, V lo, V value) { return _mm256_and_ps(value, _mm256_cmp_ps(x, lo, _CMP_GE_OQ)); }
}  // namespace cria_vec

#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define CRIA_ISA_NAME "neon"
namespace cria_vec {
constexpr int VL = 4;
typedef float32x4_t V;
typedef int32x4_t VI;
static inline V zero() { return vdupq_n_f32(0.0f); }
static inline V splat(float x) { return vdupq_n_f32(x); }
static inline V load(const float* p) { return vld1q_f32(p); }
static inline void store(float* p, V v) { vst1q_f32(p, v); }
static inline V load_f16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
static inline V load_bf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshlq_n_u32(vmovl_u16(vld1_u16(p)), 16)); }
static inline V add(V a, V b) { return vaddq_f32(a, b); }
static inline V sub(V a, V b) { return vsubq_f32(a, b); }
static inline V mul(V a, V b) { return vmulq_f32(a, b); }
static inline V div(V a, V b) { return vdivq_f32(a, b); }
static inline V fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
static inline V max(V a, V b) { return vmaxq_f32(a, b); }
static inline V min(V a, V b) { return vminq_f32(a, b); }
static inline float hsum(V v) { return vaddvq_f32(v); }
static inline float hmax(V v) { return vmaxvq_f32(v); }
static inline V round_nearest(V v) { return vrndnq_f32(v); }
static inline VI to_int(V v) { return vcvtnq_s32_f32(v); }
static inline VI add_i(VI a, VI b) { return vaddq_s32(a, b); }
static inline VI splat_i(int32_t x) { return vdupq_n_s32(x); }
static inline VI shl_i(VI a, int n) { return vshlq_s32(a, vdupq_n_s32(n)); }
static inline V as_float(VI a) { return vreinterpretq_f32_s32(a); }
static inline V zero_below(V x, V lo, V value) { return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(value), vcgeq_f32(x, lo))); }
}  // namespace cria_vec

#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define CRIA_ISA_NAME "wasm-simd128"
namespace cria_vec {
constexpr int VL = 4;
typedef v128_t V;
typedef v128_t VI;
static inline V zero() { return wasm_f32x4_splat(0.0f); }
static inline V splat(float x) { return wasm_f32x4_splat(x); }
static inline V load(const float* p) { return wasm_v128_load(p); }
static inline void store(float* p, V v) { wasm_v128_store(p, v); }
static inline V load_bf16(const uint16_t* p) { return wasm_i32x4_shl(wasm_u32x4_load16x4(p), 16); }
// float16 -> float32 without a conversion instruction: sign-extend and shift so the sign lands in bit 31 (its copies
// in bits 30..28 cleared) and exponent and mantissa in bits 27..13, rebias by a multiply (which keeps the sign and
// normalises subnormals), then give infinities and NaNs the all-ones exponent. (8 instructions; the form with a
// separate sign was 2x slower under V8, LLVM turning it into 16-bit lane shuffles.)
static inline V load_f16(const uint16_t* p) {
  const v128_t x = wasm_v128_and(wasm_i32x4_shl(wasm_i32x4_load16x4(p), 13), wasm_i32x4_splat((int32_t)0x8fffffff));
  const v128_t scaled = wasm_f32x4_mul(x, wasm_f32x4_splat(5.192296858534828e33f));  // 2^112
  const v128_t special = wasm_i32x4_eq(wasm_v128_and(x, wasm_i32x4_splat(0x0f800000)), wasm_i32x4_splat(0x0f800000));
  return wasm_v128_or(scaled, wasm_v128_and(special, wasm_i32x4_splat(0x7f800000)));
}
static inline V add(V a, V b) { return wasm_f32x4_add(a, b); }
static inline V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
static inline V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
static inline V div(V a, V b) { return wasm_f32x4_div(a, b); }
static inline V fma(V a, V b, V c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
static inline V max(V a, V b) { return wasm_f32x4_pmax(a, b); }
static inline V min(V a, V b) { return wasm_f32x4_pmin(a, b); }
static inline float hsum(V v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 2)) + (wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 3));
}
static inline float hmax(V v) {
  const float a = wasm_f32x4_extract_lane(v, 0) > wasm_f32x4_extract_lane(v, 1) ? wasm_f32x4_extract_lane(v, 0) : wasm_f32x4_extract_lane(v, 1);
  const float b = wasm_f32x4_extract_lane(v, 2) > wasm_f32x4_extract_lane(v, 3) ? wasm_f32x4_extract_lane(v, 2) : wasm_f32x4_extract_lane(v, 3);
  return a > b ? a : b;
}
static inline V round_nearest(V v) { return wasm_f32x4_nearest(v); }
static inline VI to_int(V v) { return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(v)); }
static inline VI add_i(VI a, VI b) { return wasm_i32x4_add(a, b); }
static inline VI splat_i(int32_t x) { return wasm_i32x4_splat(x); }
static inline VI shl_i(VI a, int n) { return wasm_i32x4_shl(a, n); }
static inline V as_float(VI a) { return a; }
static inline V zero_below(V x, V lo, V value) { return wasm_v128_and(value, wasm_f32x4_ge(x, lo)); }
}  // namespace cria_vec

#else
#define CRIA_ISA_NAME "scalar"
namespace cria_vec {
// The plain fallback: four lanes in an array, so the kernels' loops keep their shape.
constexpr int VL = 4;
struct V { float f[4]; };
struct VI { int32_t i[4]; };
static inline V zero() { return V{{0, 0, 0, 0}}; }
static inline V splat(float x) { return V{{x, x, x, x}}; }
static inline V load(const float* p) { return V{{p[0], p[1], p[2], p[3]}}; }
static inline void store(float* p, V v) { for (int i = 0; i < 4; i++) p[i] = v.f[i]; }
static inline float f16_to_f32(uint16_t h) {
  union { uint32_t u; float f; } magnitude, infnan;
  magnitude.u = (uint32_t)(h & 0x7fff) << 13;
  const float scaled = magnitude.f * 5.192296858534828e33f;
  infnan.u = ((uint32_t)(h & 0x7fff) << 13) | 0x7f800000u;
  union { uint32_t u; float f; } out;
  out.f = (h & 0x7fff) >= 0x7c00 ? infnan.f : scaled;
  out.u |= (uint32_t)(h & 0x8000) << 16;
  return out.f;
}
static inline float bf16_to_f32(uint16_t h) {
  union { uint32_t u; float f; } out;
  out.u = (uint32_t)h << 16;
  return out.f;
}
static inline V load_f16(const uint16_t* p) { return V{{f16_to_f32(p[0]), f16_to_f32(p[1]), f16_to_f32(p[2]), f16_to_f32(p[3])}}; }
static inline V load_bf16(const uint16_t* p) { return V{{bf16_to_f32(p[0]), bf16_to_f32(p[1]), bf16_to_f32(p[2]), bf16_to_f32(p[3])}}; }
#define CRIA_LANEWISE(name, expr) \
  static inline V name(V a, V b) { V r; for (int i = 0; i < 4; i++) { const float x = a.f[i], y = b.f[i]; r.f[i] = (expr); } return r; }
CRIA_LANEWISE(add, x + y)
CRIA_LANEWISE(sub, x - y)
CRIA_LANEWISE(mul, x * y)
CRIA_LANEWISE(div, x / y)
CRIA_LANEWISE(max, x > y ? x : y)
CRIA_LANEWISE(min, x < y ? x : y)
#undef CRIA_LANEWISE
static inline V fma(V a, V b, V c) { V r; for (int i = 0; i < 4; i++) r.f[i] = a.f[i] * b.f[i] + c.f[i]; return r; }
static inline float hsum(V v) { return (v.f[0] + v.f[2]) + (v.f[1] + v.f[3]); }
static inline float hmax(V v) { float m = v.f[0]; for (int i = 1; i < 4; i++) m = v.f[i] > m ? v.f[i] : m; return m; }
static inline V round_nearest(V v) {
  V r;
  for (int i = 0; i < 4; i++) {
    // Round half to even by the float32 magic number (|x| < 2^22 here).
    const float magic = v.f[i] >= 0 ? 12582912.0f : -12582912.0f;
    volatile float t = v.f[i] + magic;
    r.f[i] = t - magic;
  }
  return r;
}
static inline VI to_int(V v) { V r = round_nearest(v); return VI{{(int32_t)r.f[0], (int32_t)r.f[1], (int32_t)r.f[2], (int32_t)r.f[3]}}; }
static inline VI add_i(VI a, VI b) { return VI{{a.i[0] + b.i[0], a.i[1] + b.i[1], a.i[2] + b.i[2], a.i[3] + b.i[3]}}; }
static inline VI splat_i(int32_t x) { return VI{{x, x, x, x}}; }
static inline VI shl_i(VI a, int n) { return VI{{(int32_t)((uint32_t)a.i[0] << n), (int32_t)((uint32_t)a.i[1] << n), (int32_t)((uint32_t)a.i[2] << n), (int32_t)((uint32_t)a.i[3] << n)}}; }
static inline V as_float(VI a) { V r; for (int i = 0; i < 4; i++) { union { int32_t i; float f; } u; u.i = a.i[i]; r.f[i] = u.f; } return r; }
static inline V zero_below(V x, V lo, V value) { V r; for (int i = 0; i < 4; i++) r.f[i] = x.f[i] >= lo.f[i] ? value.f[i] : 0.0f; return r; }
}  // namespace cria_vec
#endif

namespace cria_vec {
/** n < VL floats, then zeros. */
static inline V load_partial(const float* p, int n) {
  float buf[VL] = {0};
  for (int i = 0; i < n; i++) buf[i] = p[i];
  return load(buf);
}
static inline void store_partial(float* p, V v, int n) {
  float buf[VL];
  store(buf, v);
  for (int i = 0; i < n; i++) p[i] = buf[i];
}
static inline V load_partial_f16(const uint16_t* p, int n) {
  uint16_t buf[VL] = {0};
  for (int i = 0; i < n; i++) buf[i] = p[i];
  return load_f16(buf);
}
static inline V load_partial_bf16(const uint16_t* p, int n) {
  uint16_t buf[VL] = {0};
  for (int i = 0; i < n; i++) buf[i] = p[i];
  return load_bf16(buf);
}

/**
 * e^x, float32, within about 2 ulp (Cephes' expf: x = n ln2 + r with n rounded, r in [-ln2/2, ln2/2], a degree-6
 * polynomial, then 2^n through the exponent bits). x is clamped to [-87.33, 88]: 2^n stays a normal number; below
 * the range the result is 0 (e^-87.33 is 1.2e-38), above it e^88.
 */
static inline V exp(V x) {
  const V lo = splat(-87.3365447504f);
  const V clamped = min(max(x, lo), splat(88.0f));
  const V n = round_nearest(mul(clamped, splat(1.44269504088896341f)));
  V r = fma(n, splat(-0.693359375f), clamped);
  r = fma(n, splat(2.12194440e-4f), r);
  V p = splat(1.9875691500E-4f);
  p = fma(p, r, splat(1.3981999507E-3f));
  p = fma(p, r, splat(8.3334519073E-3f));
  p = fma(p, r, splat(4.1665795894E-2f));
  p = fma(p, r, splat(1.6666665459E-1f));
  p = fma(p, r, splat(5.0000001201E-1f));
  p = fma(mul(p, r), r, add(r, splat(1.0f)));
  const V scale = as_float(shl_i(add_i(to_int(n), splat_i(127)), 23));
  return zero_below(x, lo, mul(p, scale));
}
}  // namespace cria_vec
