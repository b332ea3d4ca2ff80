// Dequantizing llama.cpp's block formats 32 values at a time (a "unit": one block of the 32-element formats, one
// sub-block of 32 of a 256-element super-block), __host__ __device__ so the same code can be checked on the host.
// Every value is the float32 llama.cpp's dequantize_row_* computes, in its order (explicitly rounded multiplies and
// adds: nvcc must not contract them into an fma). The TypeScript mirror is src/emulated/block-kernels.ts.
#pragma once
#include <cstdint>
#include <cstring>
#ifdef __CUDACC__
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#define CRIA_HD __host__ __device__ __forceinline__
#else
#define CRIA_HD inline
#endif
#include "block_weights.h"

namespace cria {
namespace blocks {

CRIA_HD float mulRn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
CRIA_HD float addRn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
CRIA_HD float subRn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

// IEEE half bits -> float (exact).
CRIA_HD float halfBits(uint16_t h) {
#ifdef __CUDA_ARCH__
  return __half2float(__ushort_as_half(h));
#else
  uint32_t s = static_cast<uint32_t>(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, bits;
  if (e == 0) {
    if (m == 0) {
      bits = s;
    } else {
      uint32_t shift = 0;
      while (!(m & 0x400u)) { m <<= 1; ++shift; }
      bits = s | ((113u - shift) << 23) | ((m & 0x3ffu) << 13);
    }
  } else if (e == 31) {
    bits = s | 0x7f800000u | (m << 13);
  } else {
    bits = s | ((e + 112u) << 23) | (m << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
#endif
}

CRIA_HD float loadHalf(const uint8_t* p) { return halfBits(static_cast<uint16_t>(p[0] | (p[1] << 8))); }
CRIA_HD uint32_t loadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

template <int F> struct Format;
template <> struct Format<kQ4_0> { static constexpr int elements = 32, bytes = 18; };
template <> struct Format<kQ4_1> { static constexpr int elements = 32, bytes = 20; };
template <> struct Format<kQ5_0> { static constexpr int elements = 32, bytes = 22; };
template <> struct Format<kQ5_1> { static constexpr int elements = 32, bytes = 24; };
template <> struct Format<kQ8_0> { static constexpr int elements = 32, bytes = 34; };
template <> struct Format<kQ4_K> { static constexpr int elements = 256, bytes = 144; };
template <> struct Format<kQ5_K> { static constexpr int elements = 256, bytes = 176; };
template <> struct Format<kQ6_K> { static constexpr int elements = 256, bytes = 210; };

// get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 scale bytes q.
CRIA_HD void scaleMinK4(int j, const uint8_t* q, int& sc, int& mn) {
  if (j < 4) {
    sc = q[j] & 63;
    mn = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
    mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// v[0..32) = the values of unit u (elements 32u .. 32u+31) of the weight row starting at `row`.
template <int F> CRIA_HD void decodeUnit(const uint8_t* row, int64_t u, float* v);

template <> CRIA_HD void decodeUnit<kQ4_0>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + u * 18;
  const float d = loadHalf(b);
#pragma unroll
  for (int l = 0; l < 16; ++l) {
    const int q = b[2 + l];
    v[l] = mulRn(static_cast<float>((q & 0x0f) - 8), d);
    v[l + 16] = mulRn(static_cast<float>((q >> 4) - 8), d);
  }
}

template <> CRIA_HD void decodeUnit<kQ4_1>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + u * 20;
  const float d = loadHalf(b), m = loadHalf(b + 2);
#pragma unroll
  for (int l = 0; l < 16; ++l) {
    const int q = b[4 + l];
    v[l] = addRn(mulRn(static_cast<float>(q & 0x0f), d), m);
    v[l + 16] = addRn(mulRn(static_cast<float>(q >> 4), d), m);
  }
}

template <> CRIA_HD void decodeUnit<kQ5_0>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + u * 22;
  const float d = loadHalf(b);
  const uint32_t qh = loadU32(b + 2);
#pragma unroll
  for (int l = 0; l < 16; ++l) {
    const int q = b[6 + l];
    const int xh0 = ((qh >> l) << 4) & 0x10, xh1 = (qh >> (l + 12)) & 0x10;
    v[l] = mulRn(static_cast<float>(((q & 0x0f) | xh0) - 16), d);
    v[l + 16] = mulRn(static_cast<float>(((q >> 4) | xh1) - 16), d);
  }
}

template <> CRIA_HD void decodeUnit<kQ5_1>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + u * 24;
  const float d = loadHalf(b), m = loadHalf(b + 2);
  const uint32_t qh = loadU32(b + 4);
#pragma unroll
  for (int l = 0; l < 16; ++l) {
    const int q = b[8 + l];
    const int xh0 = ((qh >> l) << 4) & 0x10, xh1 = (qh >> (l + 12)) & 0x10;
    v[l] = addRn(mulRn(static_cast<float>((q & 0x0f) | xh0), d), m);
    v[l + 16] = addRn(mulRn(static_cast<float>((q >> 4) | xh1), d), m);
  }
}

template <> CRIA_HD void decodeUnit<kQ8_0>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + u * 34;
  const float d = loadHalf(b);
#pragma unroll
  for (int l = 0; l < 32; ++l) v[l] = mulRn(static_cast<float>(static_cast<int8_t>(b[2 + l])), d);
}

// Q4_K / Q5_K: super-block u / 8, sub-block j = u % 8: x = d·sc_j·q - dmin·m_j, q the low (j even) or high (j odd)
// nibbles of qs[32·(j/2) ..], Q5_K's fifth bit bit j of qh[l].
template <> CRIA_HD void decodeUnit<kQ4_K>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + (u >> 3) * 144;
  const int j = static_cast<int>(u & 7);
  int sc, mn;
  scaleMinK4(j, b + 4, sc, mn);
  const float d1 = mulRn(loadHalf(b), static_cast<float>(sc)), m1 = mulRn(loadHalf(b + 2), static_cast<float>(mn));
  const uint8_t* qs = b + 16 + 32 * (j >> 1);
  const int shift = 4 * (j & 1);
#pragma unroll
  for (int l = 0; l < 32; ++l) v[l] = subRn(mulRn(d1, static_cast<float>((qs[l] >> shift) & 0xf)), m1);
}

template <> CRIA_HD void decodeUnit<kQ5_K>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + (u >> 3) * 176;
  const int j = static_cast<int>(u & 7);
  int sc, mn;
  scaleMinK4(j, b + 4, sc, mn);
  const float d1 = mulRn(loadHalf(b), static_cast<float>(sc)), m1 = mulRn(loadHalf(b + 2), static_cast<float>(mn));
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + 48 + 32 * (j >> 1);
  const int shift = 4 * (j & 1);
#pragma unroll
  for (int l = 0; l < 32; ++l) {
    const int q = ((ql[l] >> shift) & 0xf) + (((qh[l] >> j) & 1) ? 16 : 0);
    v[l] = subRn(mulRn(d1, static_cast<float>(q)), m1);
  }
}

// Q6_K: super-block u / 8; unit j = u % 8 is half h = j / 4 (128 elements), group g = j % 4 (32 elements) of it:
// q = (ql[64h + 32(g&1) + l] >> 4(g>>1)) & 15 | ((qh[32h + l] >> 2g) & 3) << 4, minus 32, scale scales[8h + 2g + l/16].
template <> CRIA_HD void decodeUnit<kQ6_K>(const uint8_t* row, int64_t u, float* v) {
  const uint8_t* b = row + (u >> 3) * 210;
  const int j = static_cast<int>(u & 7), h = j >> 2, g = j & 3;
  const float d = loadHalf(b + 208);
  const uint8_t* ql = b + 64 * h + 32 * (g & 1);
  const uint8_t* qh = b + 128 + 32 * h;
  const uint8_t* sc = b + 192 + 8 * h + 2 * g;
  const int nshift = 4 * (g >> 1), hshift = 2 * g;
  const float s0 = mulRn(d, static_cast<float>(static_cast<int8_t>(sc[0])));
  const float s1 = mulRn(d, static_cast<float>(static_cast<int8_t>(sc[1])));
#pragma unroll
  for (int l = 0; l < 32; ++l) {
    const int q = (((ql[l] >> nshift) & 0xf) | (((qh[l] >> hshift) & 3) << 4)) - 32;
    v[l] = mulRn(l < 16 ? s0 : s1, static_cast<float>(q));
  }
}

}  // namespace blocks
}  // namespace cria
