// Host launchers of every kernel. Each enqueues on `stream` and returns the launch error (if any).
// Pointers are device pointers; dtype codes are cria::DTypeCode. Shapes are validated by the caller.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>

namespace cria {

// The dtype codes the TypeScript side passes (src/binding.ts DTYPE_CODE).
enum DTypeCode : int { kF32 = 0, kF16 = 1, kBF16 = 2, kI32 = 3 };

struct AttentionShape {
  int64_t batch, seqLen;      // B, S (queries)
  int numHeads, numKvHeads, headDim;
  int64_t maxLength;          // cache slots per (b, kv head)
  int64_t kvLength;           // valid slots including the S new ones
  float scale;
  int maskDtype;              // -1: no mask; kF32 or kI32
  // When set (decode, seqLen < 16): kvLength is read from this device int32 at run time, `kvLength` above is its
  // upper bound (the cache length) and the mask is [batch, maxLength]. Lets one captured CUDA graph serve every
  // position.
  const int* kvLengthDev = nullptr;
};

cudaError_t launchEmbedding(cudaStream_t stream, int weightDtype, const void* weight, const int* ids, float* out,
                            int64_t count, int64_t vocab, int64_t hidden);
cudaError_t launchRmsNorm(cudaStream_t stream, const float* x, int weightDtype, const void* weight, float* out,
                          int64_t rows, int64_t hidden, float eps);
// sum = a + b and normed = rmsNorm(sum, weight, eps), one pass over rows of `hidden` floats (a, b, sum, normed: float32).
cudaError_t launchAddRmsNorm(cudaStream_t stream, const float* a, const float* b, int weightDtype, const void* weight,
                             float* sum, float* normed, int64_t rows, int64_t hidden, float eps);
// out[rows, M] = x[rows, K] · weight[M, K]^T (+ bias[M]). `biasDtype` -1 without bias.
cudaError_t launchLinear(cudaStream_t stream, const float* x, int weightDtype, const void* weight, int biasDtype,
                         const void* bias, float* out, int64_t rows, int64_t K, int64_t M);
// out[rows, M] = silu(x·gate^T + gateBias) * (x·up^T + upBias): linear, linear, siluMul's numbers in one matvec pass
// (each warp streams row m of gate and of up against the same x loads). gate and up [M, K] share `weightDtype`, the
// biases [M] (both or neither; `biasDtype` -1 without) share `biasDtype`. Decode only: rows <= 8, K a multiple of 16
// bytes of weight elements, x, gate and up 16-byte aligned, else cudaErrorInvalidValue (the caller then runs linear
// twice and siluMul). No allocation, no host sync: it captures into CUDA graphs.
cudaError_t launchLinearSiluMul(cudaStream_t stream, const float* x, int weightDtype, const void* gate, const void* up,
                                int biasDtype, const void* gateBias, const void* upBias, float* out, int64_t rows,
                                int64_t K, int64_t M);
// The most weights linearMany's segmented matvec takes in one launch.
constexpr int kMaxLinearManyWeights = 4;
// outs[i][rows, Ms[i]] = x[rows, K] · weights[i][Ms[i], K]^T (+ biases[i][Ms[i]]) for i < count, in one launch: a
// segmented matvec whose blocks cover weight 0's rows, then weight 1's, ..., each running linear's matvec (with the
// split linear would choose for Ms[i]), so each output is launchLinear's, bit for bit. Weights share `weightDtype`;
// `biases` (null, or one per weight) share `biasDtype` (-1 without). Decode only: 1 <= count <= kMaxLinearManyWeights,
// rows <= 8, K a multiple of 16 bytes of weight elements, x and every weight 16-byte aligned, the Ms summing below
// 2^31; else cudaErrorInvalidValue (the caller then runs linear per weight). The arrays are host arrays, read before
// the launcher returns. No allocation, no host sync: it captures into CUDA graphs.
cudaError_t launchLinearMany(cudaStream_t stream, const float* x, int weightDtype, int count, const void* const* weights,
                             int biasDtype, const void* const* biases, float* const* outs, const int64_t* Ms,
                             int64_t rows, int64_t K);
// x (float32) -> hi = round(x), lo = round(x - hi) in float16 or bfloat16 (halfDtype), n elements.
cudaError_t launchSplitHalves(cudaStream_t stream, const float* x, int halfDtype, void* hi, void* lo, int64_t n);
// out[rows, M] += bias[M].
cudaError_t launchAddBias(cudaStream_t stream, float* out, int biasDtype, const void* bias, int64_t rows, int64_t M);
cudaError_t launchRope(cudaStream_t stream, const float* x, const int* positions, const float* invFreq, float* out,
                       int64_t tokens, int numHeads, int headDim, float attentionScaling);
// offsetDev, when set, is a device int32 read at run time instead of `offset` (writes past the cache are dropped).
cudaError_t launchKvWrite(cudaStream_t stream, int cacheDtype, void* cache, const float* src, int64_t batch,
                          int64_t seqLen, int numKvHeads, int headDim, int64_t maxLength, int64_t offset,
                          const int* offsetDev = nullptr);
cudaError_t launchAttention(cudaStream_t stream, const float* q, int cacheDtype, const void* k, const void* v,
                            const void* mask, float* out, const AttentionShape& shape);
cudaError_t launchAttentionWeights(cudaStream_t stream, const float* q, int cacheDtype, const void* k,
                                   const void* mask, float* out, const AttentionShape& shape);
cudaError_t launchSiluMul(cudaStream_t stream, const float* gate, const float* up, float* out, int64_t n);
cudaError_t launchAdd(cudaStream_t stream, const float* a, const float* b, float* out, int64_t n);
cudaError_t launchSoftmax(cudaStream_t stream, const float* x, float* out, int64_t rows, int64_t n);
cudaError_t launchArgmax(cudaStream_t stream, const float* x, int* out, int64_t rows, int64_t n);
cudaError_t launchTopk(cudaStream_t stream, const float* x, float* values, int* indices, int64_t rows, int64_t n,
                       int k);
// x[i] += 1 for n int32 values.
cudaError_t launchIncrement(cudaStream_t stream, int* x, int64_t n);
cudaError_t launchCast(cudaStream_t stream, int fromDtype, const void* x, int toDtype, void* out, int64_t n);

}  // namespace cria
