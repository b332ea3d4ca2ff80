// Rotate-half RoPE and the KV-cache write.
#include "../common.cuh"
#include "../kernels.h"

namespace cria {
namespace {

// One thread per (token, head, pair i < headDim/2).
__global__ void ropeKernel(const float* x, const int* positions, const float* invFreq, float* out, int64_t tokens,
                           int numHeads, int headDim, float scaling) {
  const int half = headDim / 2;
  const int64_t total = tokens * numHeads * half;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < total; t += (int64_t)gridDim.x * blockDim.x) {
    const int i = static_cast<int>(t % half);
    const int64_t th = t / half;  // token * numHeads + head
    const int64_t token = th / numHeads;
    const float angle = static_cast<float>(positions[token]) * invFreq[i];  // float32 product, as the contract says
    float s, c;
    sincosf(angle, &s, &c);
    c *= scaling;
    s *= scaling;
    const int64_t base = th * headDim;
    const float x1 = x[base + i], x2 = x[base + i + half];
    out[base + i] = x1 * c - x2 * s;
    out[base + i + half] = x2 * c + x1 * s;
  }
}

// One thread per element of src [B, S, numKvHeads * headDim].
template <typename C>
__global__ void kvWriteKernel(C* cache, const float* src, int64_t batch, int64_t seqLen, int numKvHeads, int headDim,
                              int64_t maxLength, int64_t offset, const int* offsetDev) {
  if (offsetDev) offset = *offsetDev;
  if (offset < 0 || offset + seqLen > maxLength) return;  // a device offset out of range writes nothing
  const int64_t width = (int64_t)numKvHeads * headDim;
  const int64_t total = batch * seqLen * width;
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < total; t += (int64_t)gridDim.x * blockDim.x) {
    const int64_t col = t % width;
    const int64_t bs = t / width;
    const int64_t s = bs % seqLen, b = bs / seqLen;
    const int64_t h = col / headDim, d = col % headDim;
    cache[((b * numKvHeads + h) * maxLength + offset + s) * headDim + d] = fromFloat<C>(src[t]);
  }
}

}  // namespace

cudaError_t launchRope(cudaStream_t stream, const float* x, const int* positions, const float* invFreq, float* out,
                       int64_t tokens, int numHeads, int headDim, float attentionScaling) {
  const int64_t total = tokens * numHeads * (headDim / 2);
  if (total == 0) return cudaSuccess;
  ropeKernel<<<blocksFor(total, 256), 256, 0, stream>>>(x, positions, invFreq, out, tokens, numHeads, headDim,
                                                        attentionScaling);
  return cudaGetLastError();
}

cudaError_t launchKvWrite(cudaStream_t stream, int cacheDtype, void* cache, const float* src, int64_t batch,
                          int64_t seqLen, int numKvHeads, int headDim, int64_t maxLength, int64_t offset,
                          const int* offsetDev) {
  const int64_t total = batch * seqLen * numKvHeads * headDim;
  if (total == 0) return cudaSuccess;
  CRIA_FLOAT_TYPE_SWITCH(cacheDtype, C, {
    kvWriteKernel<C><<<blocksFor(total, 256), 256, 0, stream>>>(static_cast<C*>(cache), src, batch, seqLen,
                                                                numKvHeads, headDim, maxLength, offset, offsetDev);
  })
  return cudaGetLastError();
}

}  // namespace cria
