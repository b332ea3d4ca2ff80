// Linear and embedding with llama.cpp block-format weights (block_weights.h). The values are dequantized in registers
// 32 at a time (block_decode.cuh, llama.cpp's dequantize_row_* bit for bit) and never written back.
//
// blockMatvecKernel: one warp per output feature m and chunk of up to 8 rows of x; lane l takes units l, l + 32, ...
// of weight row m (a unit: 32 consecutive values), dots each with the chunk's rows (float32 fma, one sum per row) and
// the warp reduces the 32 partial sums with xor shuffles (warpSum). grid.x covers M (kWarps features per block),
// grid.y the row chunks (strided past 65535 chunks). Decode (rows <= 8) is one chunk; prefill runs the same loop per
// chunk of 8 rows, re-reading the weights (correct, not yet fast: a dequantize-to-tile GEMM is the next step).
// The TypeScript mirror the emulated device runs is src/emulated/block-kernels.ts.
#include "../common.cuh"
#include "../block_decode.cuh"

namespace cria {
namespace {

using blocks::decodeUnit;
using blocks::Format;

constexpr int kWarps = 8;          // features per block of the matvec
constexpr int kChunkRows = 8;      // rows of x per warp
constexpr int64_t kMaxGridY = 65535;

template <int F>
__global__ void __launch_bounds__(kWarps * 32) blockMatvecKernel(const float* __restrict__ x, const uint8_t* __restrict__ w,
                                                                 int biasDtype, const void* __restrict__ bias,
                                                                 float* __restrict__ out, int64_t rows, int64_t K, int64_t M) {
  const int lane = threadIdx.x & 31;
  const int64_t m = static_cast<int64_t>(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (m >= M) return;  // the whole warp leaves together
  const int64_t units = K / 32;
  const int64_t rowBytes = (K / Format<F>::elements) * Format<F>::bytes;
  const uint8_t* wrow = w + m * rowBytes;
  const float b = bias ? loadAsFloat(bias, biasDtype, m) : 0.f;
  for (int64_t r0 = static_cast<int64_t>(blockIdx.y) * kChunkRows; r0 < rows; r0 += static_cast<int64_t>(gridDim.y) * kChunkRows) {
    const int nr = static_cast<int>(rows - r0 < kChunkRows ? rows - r0 : kChunkRows);
    float acc[kChunkRows];
#pragma unroll
    for (int r = 0; r < kChunkRows; ++r) acc[r] = 0.f;
    for (int64_t u = lane; u < units; u += 32) {
      float v[32];
      decodeUnit<F>(wrow, u, v);
      const float* xu = x + r0 * K + u * 32;
#pragma unroll
      for (int r = 0; r < kChunkRows; ++r) {
        if (r < nr) {
          float s = acc[r];
#pragma unroll
          for (int l = 0; l < 32; ++l) s = fmaf(v[l], xu[r * K + l], s);
          acc[r] = s;
        }
      }
    }
#pragma unroll
    for (int r = 0; r < kChunkRows; ++r) {
      const float s = warpSum(acc[r]);  // every lane takes part (nr is uniform over the warp)
      if (r < nr && lane == 0) out[(r0 + r) * M + m] = s + b;
    }
  }
}

// One block (kEmbedThreads threads) per id, strided over the ids; each thread writes whole units of the row.
constexpr int kEmbedThreads = 128;

template <int F>
__global__ void __launch_bounds__(kEmbedThreads) blockEmbeddingKernel(const uint8_t* __restrict__ w, const int* __restrict__ ids,
                                                                     float* __restrict__ out, int64_t count, int64_t vocab,
                                                                     int64_t hidden) {
  const int64_t units = hidden / 32;
  const int64_t rowBytes = (hidden / Format<F>::elements) * Format<F>::bytes;
  for (int64_t i = blockIdx.x; i < count; i += gridDim.x) {
    const int id = ids[i];
    float* o = out + i * hidden;
    if (id < 0 || id >= vocab) {
      for (int64_t e = threadIdx.x; e < hidden; e += blockDim.x) o[e] = 0.f;
      continue;
    }
    const uint8_t* wrow = w + static_cast<int64_t>(id) * rowBytes;
    for (int64_t u = threadIdx.x; u < units; u += blockDim.x) {
      float v[32];
      decodeUnit<F>(wrow, u, v);
#pragma unroll
      for (int l = 0; l < 32; ++l) o[u * 32 + l] = v[l];
    }
  }
}

template <int F>
cudaError_t matvec(cudaStream_t stream, const float* x, const void* weight, int biasDtype, const void* bias, float* out,
                   int64_t rows, int64_t K, int64_t M) {
  if (K % Format<F>::elements != 0) return cudaErrorInvalidValue;
  const int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  const int64_t gx = (M + kWarps - 1) / kWarps;
  if (gx > 0x7fffffffLL) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>(chunks < kMaxGridY ? chunks : kMaxGridY));
  blockMatvecKernel<F><<<grid, kWarps * 32, 0, stream>>>(x, static_cast<const uint8_t*>(weight), biasDtype, bias, out, rows, K, M);
  return cudaGetLastError();
}

template <int F>
cudaError_t embedding(cudaStream_t stream, const void* weight, const int* ids, float* out, int64_t count, int64_t vocab,
                      int64_t hidden) {
  if (hidden % Format<F>::elements != 0) return cudaErrorInvalidValue;
  const unsigned grid = static_cast<unsigned>(count < 0x7fffffffLL ? count : 0x7fffffffLL);
  blockEmbeddingKernel<F><<<grid, kEmbedThreads, 0, stream>>>(static_cast<const uint8_t*>(weight), ids, out, count, vocab, hidden);
  return cudaGetLastError();
}

}  // namespace

#define CRIA_BLOCK_FORMAT_SWITCH(format, F, ...)  \
  switch (format) {                                \
    case kQ4_0: { constexpr int F = kQ4_0; __VA_ARGS__ } \
    case kQ4_1: { constexpr int F = kQ4_1; __VA_ARGS__ } \
    case kQ5_0: { constexpr int F = kQ5_0; __VA_ARGS__ } \
    case kQ5_1: { constexpr int F = kQ5_1; __VA_ARGS__ } \
    case kQ8_0: { constexpr int F = kQ8_0; __VA_ARGS__ } \
    case kQ4_K: { constexpr int F = kQ4_K; __VA_ARGS__ } \
    case kQ5_K: { constexpr int F = kQ5_K; __VA_ARGS__ } \
    case kQ6_K: { constexpr int F = kQ6_K; __VA_ARGS__ } \
    default: return cudaErrorInvalidValue;         \
  }

cudaError_t launchBlockLinear(cudaStream_t stream, const float* x, int format, const void* weight, int biasDtype,
                              const void* bias, float* out, int64_t rows, int64_t K, int64_t M) {
  if (rows < 0 || K < 0 || M < 0) return cudaErrorInvalidValue;
  if (bias != nullptr && (biasDtype < kF32 || biasDtype > kBF16)) return cudaErrorInvalidValue;
  if (rows == 0 || M == 0) return cudaSuccess;
  CRIA_BLOCK_FORMAT_SWITCH(format, F, return matvec<F>(stream, x, weight, biasDtype, bias, out, rows, K, M);)
}

cudaError_t launchBlockEmbedding(cudaStream_t stream, int format, const void* weight, const int* ids, float* out,
                                 int64_t count, int64_t vocab, int64_t hidden) {
  if (count < 0 || vocab < 0 || hidden < 0) return cudaErrorInvalidValue;
  if (count == 0 || hidden == 0) return cudaSuccess;
  CRIA_BLOCK_FORMAT_SWITCH(format, F, return embedding<F>(stream, weight, ids, out, count, vocab, hidden);)
}

}  // namespace cria
