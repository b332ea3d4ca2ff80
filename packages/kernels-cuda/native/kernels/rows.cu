// Row-wise ops over the last dimension: RMSNorm, the residual add fused with the RMSNorm after it, softmax, argmax,
// top-k.
#include "../common.cuh"
#include "../kernels.h"

namespace cria {
namespace {

constexpr int kRowThreads = 256;

template <typename W>
__global__ void rmsNormKernel(const float* x, const W* weight, float* out, int64_t hidden, float eps) {
  __shared__ float scratch[32];
  const float* row = x + blockIdx.x * hidden;
  float* dst = out + blockIdx.x * hidden;
  float ss = 0.f;
  for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) ss += row[j] * row[j];
  ss = blockSum(ss, scratch);
  const float inv = 1.f / sqrtf(ss / static_cast<float>(hidden) + eps);
  for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) dst[j] = row[j] * inv * toFloat<W>(weight[j]);
}

// One block per row: sum = a + b (float32, as the add kernel rounds it), then normed = rmsNorm(sum, weight, eps) with the
// sum of squares in float32 as rmsNormKernel takes it. Each thread reads back only the sums it wrote itself.
template <typename W>
__global__ void addRmsNormKernel(const float* a, const float* b, const W* weight, float* sum, float* normed, int64_t hidden,
                                 float eps) {
  __shared__ float scratch[32];
  const int64_t offset = static_cast<int64_t>(blockIdx.x) * hidden;
  const float* rowA = a + offset;
  const float* rowB = b + offset;
  float* rowSum = sum + offset;
  float* dst = normed + offset;
  float ss = 0.f;
  for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) {
    const float s = rowA[j] + rowB[j];
    rowSum[j] = s;
    ss += s * s;
  }
  ss = blockSum(ss, scratch);
  const float inv = 1.f / sqrtf(ss / static_cast<float>(hidden) + eps);
  for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) dst[j] = rowSum[j] * inv * toFloat<W>(weight[j]);
}

__global__ void softmaxKernel(const float* x, float* out, int64_t n) {
  __shared__ float scratch[32];
  const float* row = x + blockIdx.x * n;
  float* dst = out + blockIdx.x * n;
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, row[j]);
  m = blockMax(m, scratch);
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += expf(row[j] - m);
  s = blockSum(s, scratch);
  const float inv = 1.f / s;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) dst[j] = expf(row[j] - m) * inv;
}

// Whether (v, i) comes before (bv, bi): larger first, NaN above every number (as torch and the cpu backend), the
// lower index first on ties; an empty slot (bi < 0) comes after everything.
__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
  if (bi < 0) return true;
  if (isnan(v)) return !isnan(bv) || i < bi;
  if (isnan(bv)) return false;
  return v > bv || (v == bv && i < bi);
}

__device__ __forceinline__ void blockBest(float& v, int& i, float* sv, int* si) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, v, o);
    const int oi = __shfl_xor_sync(0xffffffffu, i, o);
    if (oi >= 0 && better(ov, oi, v, i)) { v = ov; i = oi; }
  }
  __syncthreads();
  if (lane == 0) { sv[warp] = v; si[warp] = i; }
  __syncthreads();
  v = lane < warps ? sv[lane] : -INFINITY;
  i = lane < warps ? si[lane] : -1;
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, v, o);
    const int oi = __shfl_xor_sync(0xffffffffu, i, o);
    if (oi >= 0 && better(ov, oi, v, i)) { v = ov; i = oi; }
  }
}

__global__ void argmaxKernel(const float* x, int* out, int n) {
  __shared__ float sv[32];
  __shared__ int si[32];
  const float* row = x + (int64_t)blockIdx.x * n;
  float bv = -INFINITY;
  int bi = -1;
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    const float v = row[j];
    if (better(v, j, bv, bi)) { bv = v; bi = j; }
  }
  blockBest(bv, bi, sv, si);
  if (threadIdx.x == 0) out[blockIdx.x] = bi;
}

// k passes; pass t picks the best element ranked strictly after the one pass t-1 picked.
__global__ void topkKernel(const float* x, float* values, int* indices, int n, int k) {
  __shared__ float sv[32];
  __shared__ int si[32];
  const float* row = x + (int64_t)blockIdx.x * n;
  float pv = INFINITY;
  int pi = -1;
  for (int t = 0; t < k; ++t) {
    float bv = -INFINITY;
    int bi = -1;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      const float v = row[j];
      const bool after = pi < 0 || better(pv, pi, v, j);  // ranked strictly after the last pick
      if (after && better(v, j, bv, bi)) { bv = v; bi = j; }
    }
    blockBest(bv, bi, sv, si);
    if (threadIdx.x == 0) {  // k <= n: every pass finds one
      values[(int64_t)blockIdx.x * k + t] = bv;
      indices[(int64_t)blockIdx.x * k + t] = bi;
    }
    pv = bv;
    pi = bi;
  }
}

bool rowsFit(int64_t rows) { return rows > 0 && rows <= 0x7fffffffLL; }

}  // namespace

cudaError_t launchRmsNorm(cudaStream_t stream, const float* x, int weightDtype, const void* weight, float* out,
                          int64_t rows, int64_t hidden, float eps) {
  if (rows == 0 || hidden == 0) return cudaSuccess;
  if (!rowsFit(rows)) return cudaErrorInvalidValue;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    rmsNormKernel<W><<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, static_cast<const W*>(weight), out,
                                                                             hidden, eps);
  })
  return cudaGetLastError();
}

cudaError_t launchAddRmsNorm(cudaStream_t stream, const float* a, const float* b, int weightDtype, const void* weight,
                             float* sum, float* normed, int64_t rows, int64_t hidden, float eps) {
  if (rows == 0 || hidden == 0) return cudaSuccess;
  if (!rowsFit(rows)) return cudaErrorInvalidValue;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    addRmsNormKernel<W><<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(a, b, static_cast<const W*>(weight), sum,
                                                                                normed, hidden, eps);
  })
  return cudaGetLastError();
}

cudaError_t launchSoftmax(cudaStream_t stream, const float* x, float* out, int64_t rows, int64_t n) {
  if (rows == 0 || n == 0) return cudaSuccess;
  if (!rowsFit(rows)) return cudaErrorInvalidValue;
  softmaxKernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, out, n);
  return cudaGetLastError();
}

cudaError_t launchArgmax(cudaStream_t stream, const float* x, int* out, int64_t rows, int64_t n) {
  if (rows == 0) return cudaSuccess;
  if (!rowsFit(rows) || n <= 0 || n > 0x7fffffffLL) return cudaErrorInvalidValue;
  argmaxKernel<<<static_cast<unsigned>(rows), 1024, 0, stream>>>(x, out, static_cast<int>(n));
  return cudaGetLastError();
}

cudaError_t launchTopk(cudaStream_t stream, const float* x, float* values, int* indices, int64_t rows, int64_t n,
                       int k) {
  if (rows == 0 || k == 0) return cudaSuccess;
  if (!rowsFit(rows) || n <= 0 || n > 0x7fffffffLL || k > n) return cudaErrorInvalidValue;
  topkKernel<<<static_cast<unsigned>(rows), 1024, 0, stream>>>(x, values, indices, static_cast<int>(n), k);
  return cudaGetLastError();
}

}  // namespace cria
