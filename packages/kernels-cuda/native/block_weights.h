// llama.cpp's block formats (GGUF blocks unchanged, ggml-common.h layouts) as weights: the launchers of
// native/kernels/block_weights.cu. The format codes are src/binding.ts BLOCK_FORMAT_CODE.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>

namespace cria {

enum BlockFormat : int { kQ4_0 = 0, kQ4_1 = 1, kQ5_0 = 2, kQ5_1 = 3, kQ8_0 = 4, kQ4_K = 5, kQ5_K = 6, kQ6_K = 7 };
constexpr int kBlockFormatCount = 8;

// out[rows, M] = x[rows, K] · dequantize(weight)[M, K]^T (+ bias[M]). weight: M rows of K / blockElements blocks of
// `format`. One warp per output feature and 8 rows of x (grid.y over row chunks), each lane over 32-element units of
// the weight row (dequantized in registers), float32 accumulation, a warp shuffle reduction. `biasDtype` -1 without
// bias. K not a multiple of the block size or an unknown format: cudaErrorInvalidValue. No allocation, no host sync.
cudaError_t launchBlockLinear(cudaStream_t stream, const float* x, int format, const void* weight, int biasDtype,
                              const void* bias, float* out, int64_t rows, int64_t K, int64_t M);
// out[count, hidden] = dequantize(weight)[ids[i]] (an id outside [0, vocab) gives a zero row), each value the
// float32 llama.cpp's dequantize_row_* gives, bit for bit.
cudaError_t launchBlockEmbedding(cudaStream_t stream, int format, const void* weight, const int* ids, float* out,
                                 int64_t count, int64_t vocab, int64_t hidden);

}  // namespace cria
