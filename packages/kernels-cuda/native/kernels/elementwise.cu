// Elementwise ops: add, SiLU(gate)·up, cast, and the embedding row gather.
#include "../common.cuh"
#include "../kernels.h"

namespace cria {
namespace {

__global__ void addKernel4(const float4* a, const float4* b, float4* out, int64_t n4) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4; i += (int64_t)gridDim.x * blockDim.x) {
    const float4 x = a[i], y = b[i];
    out[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
  }
}

__global__ void addKernel(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = a[i] + b[i];
}

__global__ void siluMulKernel4(const float4* g, const float4* u, float4* out, int64_t n4) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4; i += (int64_t)gridDim.x * blockDim.x) {
    const float4 x = g[i], y = u[i];
    out[i] = make_float4(silu(x.x) * y.x, silu(x.y) * y.y, silu(x.z) * y.z, silu(x.w) * y.w);
  }
}

__global__ void siluMulKernel(const float* g, const float* u, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = silu(g[i]) * u[i];
}

template <typename From, typename To>
__device__ __forceinline__ To convert(From v) {
  return fromFloat<To>(toFloat<From>(v));
}

template <typename From, typename To>
__global__ void castKernel(const From* x, To* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = convert<From, To>(x[i]);
}

// float -> int32 truncates toward zero and saturates, NaN -> 0 (torch's .to(torch.int32) on the values cria sees).
template <typename From>
__global__ void castToIntKernel(const From* x, int* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = __float2int_rz(toFloat<From>(x[i]));
}

// int32 -> float16 / bfloat16 goes through float32 (two roundings to nearest even), as torch does.
template <typename To> __device__ __forceinline__ To fromInt(int v) { return fromFloat<To>(__int2float_rn(v)); }

template <typename To>
__global__ void castFromIntKernel(const int* x, To* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = fromInt<To>(x[i]);
}

__global__ void copyIntKernel(const int* x, int* out, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = x[i];
}

// One block per looked-up row; an id outside [0, vocab) yields a zero row.
template <typename W>
__global__ void embeddingKernel(const W* weight, const int* ids, float* out, int64_t vocab, int64_t hidden) {
  const int64_t row = blockIdx.x;
  const int id = ids[row];
  float* dst = out + row * hidden;
  if (id < 0 || id >= vocab) {
    for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) dst[j] = 0.f;
    return;
  }
  const W* src = weight + (int64_t)id * hidden;
  for (int64_t j = threadIdx.x; j < hidden; j += blockDim.x) dst[j] = toFloat<W>(src[j]);
}

__global__ void incrementKernel(int* x, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) x[i] += 1;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

}  // namespace

cudaError_t launchAdd(cudaStream_t stream, const float* a, const float* b, float* out, int64_t n) {
  if (n == 0) return cudaSuccess;
  if (n % 4 == 0 && aligned16(a) && aligned16(b) && aligned16(out)) {
    addKernel4<<<blocksFor(n / 4, 256), 256, 0, stream>>>(reinterpret_cast<const float4*>(a),
                                                         reinterpret_cast<const float4*>(b),
                                                         reinterpret_cast<float4*>(out), n / 4);
  } else {
    addKernel<<<blocksFor(n, 256), 256, 0, stream>>>(a, b, out, n);
  }
  return cudaGetLastError();
}

cudaError_t launchSiluMul(cudaStream_t stream, const float* gate, const float* up, float* out, int64_t n) {
  if (n == 0) return cudaSuccess;
  if (n % 4 == 0 && aligned16(gate) && aligned16(up) && aligned16(out)) {
    siluMulKernel4<<<blocksFor(n / 4, 256), 256, 0, stream>>>(reinterpret_cast<const float4*>(gate),
                                                             reinterpret_cast<const float4*>(up),
                                                             reinterpret_cast<float4*>(out), n / 4);
  } else {
    siluMulKernel<<<blocksFor(n, 256), 256, 0, stream>>>(gate, up, out, n);
  }
  return cudaGetLastError();
}

cudaError_t launchIncrement(cudaStream_t stream, int* x, int64_t n) {
  if (n == 0) return cudaSuccess;
  incrementKernel<<<blocksFor(n, 256), 256, 0, stream>>>(x, n);
  return cudaGetLastError();
}

cudaError_t launchCast(cudaStream_t stream, int fromDtype, const void* x, int toDtype, void* out, int64_t n) {
  if (n == 0) return cudaSuccess;
  const unsigned grid = blocksFor(n, 256);
  if (fromDtype == kI32 && toDtype == kI32) {
    copyIntKernel<<<grid, 256, 0, stream>>>(static_cast<const int*>(x), static_cast<int*>(out), n);
  } else if (fromDtype == kI32) {
    CRIA_FLOAT_TYPE_SWITCH(toDtype, To, {
      castFromIntKernel<To><<<grid, 256, 0, stream>>>(static_cast<const int*>(x), static_cast<To*>(out), n);
    })
  } else if (toDtype == kI32) {
    CRIA_FLOAT_TYPE_SWITCH(fromDtype, From, {
      castToIntKernel<From><<<grid, 256, 0, stream>>>(static_cast<const From*>(x), static_cast<int*>(out), n);
    })
  } else {
    CRIA_FLOAT_TYPE_SWITCH(fromDtype, From, {
      CRIA_FLOAT_TYPE_SWITCH(toDtype, To, {
        castKernel<From, To><<<grid, 256, 0, stream>>>(static_cast<const From*>(x), static_cast<To*>(out), n);
      })
    })
  }
  return cudaGetLastError();
}

cudaError_t launchEmbedding(cudaStream_t stream, int weightDtype, const void* weight, const int* ids, float* out,
                            int64_t count, int64_t vocab, int64_t hidden) {
  if (count == 0 || hidden == 0) return cudaSuccess;
  if (count > 0x7fffffffLL) return cudaErrorInvalidValue;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    embeddingKernel<W><<<static_cast<unsigned>(count), 256, 0, stream>>>(static_cast<const W*>(weight), ids, out,
                                                                        vocab, hidden);
  })
  return cudaGetLastError();
}

}  // namespace cria
