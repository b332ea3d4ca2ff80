// Fused causal attention over the KV cache with grouped-query heads and a padding mask.
//  - attnSplitKernel (few queries, i.e. decode): one block per (query, head, key split); each warp walks keys
//    with an online softmax; splits are merged by attnCombineKernel (split-K / flash-decoding).
//  - attnFlashKernel (prefill): one block per 32 queries of one head; K/V tiles of 32 keys in shared memory,
//    online softmax per query, causal tiles past the block's last query skipped.
//  - attnWeightsKernel: the probabilities themselves, for output_attentions.
// Query s of S sits at cache slot kvLength - S + s and sees slots j <= that with mask[b, j] != 0;
// a query with no visible key gives zeros.
#include "../common.cuh"
#include "../kernels.h"

namespace cria {
namespace {

struct Params {
  int64_t batch, seqLen, maxLength, kvLength;
  int numHeads, numKvHeads, headDim, maskDtype;
  float scale;
  const void* mask;
  int64_t maskStride;      // kvLength, or maxLength when kvLength is read from the device
  const int* kvLengthDev;  // see AttentionShape::kvLengthDev
};

__device__ __forceinline__ bool keyAllowed(const Params& p, int64_t b, int64_t j) {
  return p.maskDtype < 0 || loadAsFloat(p.mask, p.maskDtype, b * p.maskStride + j) != 0.f;
}

// Merges (m, l, acc) states: returns weights to scale each side by.
__device__ __forceinline__ float safeExp(float a, float m) { return a == -INFINITY ? 0.f : expf(a - m); }

constexpr int kSplitWarps = 4;

// grid: x = query row r over [B, S, numHeads], y = split. Writes out directly when gridDim.y == 1,
// otherwise (m, l, acc[headDim]) per split to `partials`.
template <typename C, int T>
__global__ __launch_bounds__(128) void attnSplitKernel(const float* __restrict__ q, const C* __restrict__ k,
                                                       const C* __restrict__ v, float* __restrict__ out,
                                                       float* __restrict__ partials, Params p, int64_t chunk) {
  __shared__ float sm[kSplitWarps], sl[kSplitWarps];
  __shared__ float sacc[kSplitWarps][32 * T];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t r = blockIdx.x;
  const int h = static_cast<int>(r % p.numHeads);
  const int64_t bs = r / p.numHeads, s = bs % p.seqLen, b = bs / p.seqLen;
  const int kvh = h / (p.numHeads / p.numKvHeads);
  const int hd = p.headDim;
  // kvLength from the device (clamped to [seqLen, bound]) or the host.
  const int64_t kvLength = p.kvLengthDev ? min(max((int64_t)*p.kvLengthDev, p.seqLen), p.kvLength) : p.kvLength;
  const int64_t qpos = kvLength - p.seqLen + s;
  const int64_t start = (int64_t)blockIdx.y * chunk;
  const int64_t end = min(start + chunk, qpos + 1);
  const int64_t cacheBase = ((b * p.numKvHeads + kvh) * p.maxLength) * hd;
  const C* kb = k + cacheBase;
  const C* vb = v + cacheBase;

  float qr[T], acc[T];
#pragma unroll
  for (int t = 0; t < T; ++t) {
    const int d = lane + 32 * t;
    qr[t] = d < hd ? q[r * hd + d] * p.scale : 0.f;
    acc[t] = 0.f;
  }
  float m = -INFINITY, l = 0.f;
  // Four keys per iteration (keys j0 + u * kSplitWarps): their K and V loads are in flight together, so a warp
  // waits for memory once per four keys instead of once per key.
  constexpr int kKeys = 4;
  for (int64_t j0 = start + warp; j0 < end; j0 += kSplitWarps * kKeys) {
    float dots[kKeys];
    bool ok[kKeys];
#pragma unroll
    for (int u = 0; u < kKeys; ++u) {
      const int64_t j = j0 + (int64_t)u * kSplitWarps;
      ok[u] = j < end && keyAllowed(p, b, j);
      float dot = 0.f;
      if (ok[u]) {
#pragma unroll
        for (int t = 0; t < T; ++t) {
          const int d = lane + 32 * t;
          if (d < hd) dot = fmaf(qr[t], toFloat<C>(kb[j * hd + d]), dot);
        }
      }
      dots[u] = dot;
    }
    float vv[kKeys][T];
#pragma unroll
    for (int u = 0; u < kKeys; ++u) {
      const int64_t j = j0 + (int64_t)u * kSplitWarps;
#pragma unroll
      for (int t = 0; t < T; ++t) {
        const int d = lane + 32 * t;
        vv[u][t] = ok[u] && d < hd ? toFloat<C>(vb[j * hd + d]) : 0.f;
      }
    }
#pragma unroll
    for (int u = 0; u < kKeys; ++u) dots[u] = warpSum(dots[u]);
#pragma unroll
    for (int u = 0; u < kKeys; ++u) {
      if (!ok[u]) continue;
      const float mNew = fmaxf(m, dots[u]);
      const float corr = safeExp(m, mNew);
      const float e = expf(dots[u] - mNew);
      l = l * corr + e;
#pragma unroll
      for (int t = 0; t < T; ++t) acc[t] = acc[t] * corr + e * vv[u][t];
      m = mNew;
    }
  }
  if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
  for (int t = 0; t < T; ++t) sacc[warp][lane + 32 * t] = acc[t];
  __syncthreads();
  float mAll = -INFINITY;
#pragma unroll
  for (int w = 0; w < kSplitWarps; ++w) mAll = fmaxf(mAll, sm[w]);
  float lAll = 0.f;
#pragma unroll
  for (int w = 0; w < kSplitWarps; ++w) lAll += sl[w] * safeExp(sm[w], mAll);
  if (gridDim.y == 1) {
    for (int d = threadIdx.x; d < hd; d += blockDim.x) {
      float a = 0.f;
#pragma unroll
      for (int w = 0; w < kSplitWarps; ++w) a += sacc[w][d] * safeExp(sm[w], mAll);
      out[r * hd + d] = lAll > 0.f ? a / lAll : 0.f;
    }
    return;
  }
  float* part = partials + (r * gridDim.y + blockIdx.y) * (hd + 2);
  if (threadIdx.x == 0) { part[0] = mAll; part[1] = lAll; }
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float a = 0.f;
#pragma unroll
    for (int w = 0; w < kSplitWarps; ++w) a += sacc[w][d] * safeExp(sm[w], mAll);
    part[2 + d] = a;
  }
}

__global__ void attnCombineKernel(const float* __restrict__ partials, float* __restrict__ out, int splits, int hd) {
  const int64_t r = blockIdx.x;
  const float* base = partials + r * splits * (hd + 2);
  float mAll = -INFINITY;
  for (int i = 0; i < splits; ++i) mAll = fmaxf(mAll, base[i * (hd + 2)]);
  float lAll = 0.f;
  for (int i = 0; i < splits; ++i) lAll += base[i * (hd + 2) + 1] * safeExp(base[i * (hd + 2)], mAll);
  for (int d = threadIdx.x; d < hd; d += blockDim.x) {
    float a = 0.f;
    for (int i = 0; i < splits; ++i) a += base[i * (hd + 2) + 2 + d] * safeExp(base[i * (hd + 2)], mAll);
    out[r * hd + d] = lAll > 0.f ? a / lAll : 0.f;
  }
}

constexpr int kFlashQ = 64, kFlashK = 64, kFlashThreads = 128;

// Shared memory of attnFlashKernel, in floats: Qt [hd][64] (scaled q, transposed), Kt [hd][65] (transposed,
// padded), Vs [64][hd], Ps [64][65] (scores, then probabilities), and per query m, l, correction.
__host__ __device__ constexpr size_t flashSmemFloats(int hd) {
  return (size_t)hd * kFlashQ + (size_t)hd * (kFlashK + 1) + (size_t)kFlashK * hd + (size_t)kFlashQ * (kFlashK + 1) + 3 * kFlashQ;
}

// grid: x = 64-query tile, y = b * numHeads + h; 128 threads. Register-tiled on CUDA cores (float32 throughout):
// each thread computes 4 queries x 8 keys of every score tile and owns 4 queries x DT dims of the output
// (dims tx + 8 i). Online softmax per query over 64-key tiles; tiles past the block's last query are skipped.
template <typename C, int DT>
__global__ __launch_bounds__(kFlashThreads) void attnFlashKernel(const float* __restrict__ q, const C* __restrict__ k,
                                                                 const C* __restrict__ v, float* __restrict__ out,
                                                                 Params p) {
  extern __shared__ float smem[];
  const int hd = p.headDim;
  float* Qt = smem;                          // [hd][64]
  float* Kt = Qt + hd * kFlashQ;             // [hd][65]
  float* Vs = Kt + hd * (kFlashK + 1);       // [64][hd]
  float* Ps = Vs + kFlashK * hd;             // [64][65]
  float* rowM = Ps + kFlashQ * (kFlashK + 1);
  float* rowL = rowM + kFlashQ;
  float* rowCorr = rowL + kFlashQ;
  const int tid = threadIdx.x, tx = tid % 8, ty = tid / 8;  // ty: queries ty*4 .. ty*4+3
  const int h = static_cast<int>(blockIdx.y % p.numHeads);
  const int64_t b = blockIdx.y / p.numHeads;
  const int kvh = h / (p.numHeads / p.numKvHeads);
  const int64_t q0 = (int64_t)blockIdx.x * kFlashQ;
  const int64_t qCount = min((int64_t)kFlashQ, p.seqLen - q0);
  const int64_t width = (int64_t)p.numHeads * hd;
  const int64_t cacheBase = ((b * p.numKvHeads + kvh) * p.maxLength) * hd;
  const int64_t firstPos = p.kvLength - p.seqLen + q0;  // cache slot of the block's first query

  for (int e = tid; e < kFlashQ * hd; e += kFlashThreads) {
    const int qi = e / hd, d = e % hd;
    Qt[d * kFlashQ + qi] = qi < qCount ? q[(b * p.seqLen + q0 + qi) * width + (int64_t)h * hd + d] * p.scale : 0.f;
  }
  if (tid < kFlashQ) { rowM[tid] = -INFINITY; rowL[tid] = 0.f; }
  float acc[4][DT];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int i = 0; i < DT; ++i) acc[r][i] = 0.f;

  const int64_t keyEnd = firstPos + qCount;  // one past the block's last visible slot
  for (int64_t kt = 0; kt < keyEnd; kt += kFlashK) {
    __syncthreads();  // previous tile fully consumed (and Qt / row state written on the first pass)
    for (int e = tid; e < kFlashK * hd; e += kFlashThreads) {
      const int j = e / hd, d = e % hd;
      const int64_t key = kt + j;
      const bool in = key < p.kvLength;
      Kt[d * (kFlashK + 1) + j] = in ? toFloat<C>(k[cacheBase + key * hd + d]) : 0.f;
      Vs[j * hd + d] = in ? toFloat<C>(v[cacheBase + key * hd + d]) : 0.f;
    }
    __syncthreads();

    // Scores: queries ty*4 + r, keys tx + 8 c.
    float sc[4][8];
#pragma unroll
    for (int r = 0; r < 4; ++r)
#pragma unroll
      for (int c = 0; c < 8; ++c) sc[r][c] = 0.f;
    for (int d = 0; d < hd; ++d) {
      const float4 qv = *reinterpret_cast<const float4*>(&Qt[d * kFlashQ + ty * 4]);
      const float* krow = Kt + d * (kFlashK + 1) + tx;
#pragma unroll
      for (int c = 0; c < 8; ++c) {
        const float kv = krow[8 * c];
        sc[0][c] = fmaf(qv.x, kv, sc[0][c]);
        sc[1][c] = fmaf(qv.y, kv, sc[1][c]);
        sc[2][c] = fmaf(qv.z, kv, sc[2][c]);
        sc[3][c] = fmaf(qv.w, kv, sc[3][c]);
      }
    }
#pragma unroll
    for (int c = 0; c < 8; ++c) {
      const int j = tx + 8 * c;
      const int64_t key = kt + j;
      const bool keyOk = key < p.kvLength && keyAllowed(p, b, key);
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int qi = ty * 4 + r;
        const bool visible = keyOk && qi < qCount && key <= firstPos + qi;
        Ps[qi * (kFlashK + 1) + j] = visible ? sc[r][c] : -INFINITY;
      }
    }
    __syncthreads();

    // Online softmax: threads 2r and 2r+1 share query row r (32 keys each).
    {
      const int row = tid / 2, half = tid % 2;
      float* srow = Ps + row * (kFlashK + 1) + half * 32;
      float tileMax = -INFINITY;
      for (int j = 0; j < 32; ++j) tileMax = fmaxf(tileMax, srow[j]);
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 1));
      const float mOld = rowM[row];
      const float mNew = fmaxf(mOld, tileMax);
      float sum = 0.f;
      for (int j = 0; j < 32; ++j) {
        const float e = safeExp(srow[j], mNew);
        srow[j] = e;
        sum += e;
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      __syncwarp();
      if (half == 0) {
        const float corr = mNew == -INFINITY ? 1.f : safeExp(mOld, mNew);
        rowCorr[row] = corr;
        rowL[row] = rowL[row] * corr + sum;
        rowM[row] = mNew;
      }
    }
    __syncthreads();

    // Output: acc[r][i] for query ty*4 + r, dim tx + 8 i.
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const float corr = rowCorr[ty * 4 + r];
#pragma unroll
      for (int i = 0; i < DT; ++i) acc[r][i] *= corr;
    }
    for (int j = 0; j < kFlashK; ++j) {
      float pr[4];
#pragma unroll
      for (int r = 0; r < 4; ++r) pr[r] = Ps[(ty * 4 + r) * (kFlashK + 1) + j];
      const float* vrow = Vs + j * hd + tx;
#pragma unroll
      for (int i = 0; i < DT; ++i) {
        if (tx + 8 * i < hd) {
          const float vv = vrow[8 * i];
#pragma unroll
          for (int r = 0; r < 4; ++r) acc[r][i] = fmaf(pr[r], vv, acc[r][i]);
        }
      }
    }
  }
  __syncthreads();
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int qi = ty * 4 + r;
    if (qi >= qCount) continue;
    const float l = rowL[qi];
    float* dst = out + (b * p.seqLen + q0 + qi) * width + (int64_t)h * hd;
#pragma unroll
    for (int i = 0; i < DT; ++i) {
      const int d = tx + 8 * i;
      if (d < hd) dst[d] = l > 0.f ? acc[r][i] / l : 0.f;
    }
  }
}

// grid: one block per output row ((b * numHeads + h) * S + s); the row of `out` holds scores, then probabilities.
template <typename C>
__global__ void attnWeightsKernel(const float* __restrict__ q, const C* __restrict__ k, float* __restrict__ out,
                                  Params p) {
  extern __shared__ float qs[];
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  const int64_t s = row % p.seqLen, bh = row / p.seqLen;
  const int h = static_cast<int>(bh % p.numHeads);
  const int64_t b = bh / p.numHeads;
  const int kvh = h / (p.numHeads / p.numKvHeads);
  const int hd = p.headDim;
  const int64_t qpos = p.kvLength - p.seqLen + s;
  const float* qrow = q + ((b * p.seqLen + s) * p.numHeads + h) * hd;
  for (int d = threadIdx.x; d < hd; d += blockDim.x) qs[d] = qrow[d] * p.scale;
  __syncthreads();
  const C* kb = k + ((b * p.numKvHeads + kvh) * p.maxLength) * hd;
  float* dst = out + row * p.kvLength;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < p.kvLength; j += blockDim.x) {
    float sc = -INFINITY;
    if (j <= qpos && keyAllowed(p, b, j)) {
      sc = 0.f;
      for (int d = 0; d < hd; ++d) sc = fmaf(qs[d], toFloat<C>(kb[j * hd + d]), sc);
    }
    dst[j] = sc;
    mx = fmaxf(mx, sc);
  }
  mx = blockMax(mx, scratch);
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < p.kvLength; j += blockDim.x) {
    const float e = safeExp(dst[j], mx);
    dst[j] = e;
    sum += e;
  }
  sum = blockSum(sum, scratch);
  const float inv = sum > 0.f ? 1.f / sum : 0.f;
  for (int64_t j = threadIdx.x; j < p.kvLength; j += blockDim.x) dst[j] *= inv;
}

Params toParams(const AttentionShape& s, const void* mask) {
  Params p;
  p.batch = s.batch; p.seqLen = s.seqLen; p.maxLength = s.maxLength; p.kvLength = s.kvLength;
  p.numHeads = s.numHeads; p.numKvHeads = s.numKvHeads; p.headDim = s.headDim; p.maskDtype = mask ? s.maskDtype : -1;
  p.scale = s.scale; p.mask = mask;
  p.kvLengthDev = s.kvLengthDev;
  p.maskStride = s.kvLengthDev ? s.maxLength : s.kvLength;
  return p;
}

int lanesPerDim(int headDim) {  // T: dims per lane, rounded up to a compiled variant
  const int t = (headDim + 31) / 32;
  return t <= 1 ? 1 : t <= 2 ? 2 : t <= 4 ? 4 : t <= 8 ? 8 : 0;
}

template <typename C, int DT>
cudaError_t runFlashDT(cudaStream_t stream, const float* q, const C* k, const C* v, float* out, const Params& p) {
  const size_t smemBytes = sizeof(float) * flashSmemFloats(p.headDim);
  static bool raised = false;  // per template instance
  if (!raised) {
    const cudaError_t err = cudaFuncSetAttribute(attnFlashKernel<C, DT>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                 static_cast<int>(sizeof(float) * flashSmemFloats(8 * DT)));
    if (err != cudaSuccess) return err;
    raised = true;
  }
  const int64_t tiles = (p.seqLen + kFlashQ - 1) / kFlashQ;
  if (p.batch * p.numHeads > 65535 || tiles > 0x7fffffffLL) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(p.batch * p.numHeads));
  attnFlashKernel<C, DT><<<grid, kFlashThreads, smemBytes, stream>>>(q, k, v, out, p);
  return cudaGetLastError();
}

template <typename C>
cudaError_t runFlash(cudaStream_t stream, const float* q, const C* k, const C* v, float* out, const Params& p) {
  if (p.headDim <= 32) return runFlashDT<C, 4>(stream, q, k, v, out, p);
  if (p.headDim <= 64) return runFlashDT<C, 8>(stream, q, k, v, out, p);
  if (p.headDim <= 128) return runFlashDT<C, 16>(stream, q, k, v, out, p);
  if (p.headDim <= 256) return runFlashDT<C, 32>(stream, q, k, v, out, p);
  return cudaErrorInvalidValue;
}

template <typename C, int T>
cudaError_t runAttention(cudaStream_t stream, const float* q, const C* k, const C* v, float* out, const Params& p) {
  const int64_t rows = p.batch * p.seqLen * p.numHeads;
  if (p.kvLengthDev && p.seqLen >= 16) return cudaErrorInvalidValue;  // device kvLength: decode kernel only
  if (p.seqLen < 16) {
    // Split the keys so that about two blocks per SM are busy, each split holding at least 64 keys.
    int64_t splits = (264 + rows - 1) / rows;
    const int64_t maxSplits = (p.kvLength + 63) / 64;
    if (splits > maxSplits) splits = maxSplits;
    // With kvLength read on the device only its bound is known here: 64-key splits over the whole bound, the
    // ones past the real length finish at once.
    if (p.kvLengthDev) splits = maxSplits;
    if (splits < 1) splits = 1;
    const int64_t chunk = (p.kvLength + splits - 1) / splits;
    splits = (p.kvLength + chunk - 1) / chunk;
    if (splits > 65535) return cudaErrorInvalidValue;
    if (rows > 0x7fffffffLL) return cudaErrorInvalidValue;
    const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(splits));
    if (splits == 1) {
      attnSplitKernel<C, T><<<grid, 128, 0, stream>>>(q, k, v, out, nullptr, p, chunk);
      return cudaGetLastError();
    }
    float* partials = nullptr;
    cudaError_t err = cudaMallocAsync(reinterpret_cast<void**>(&partials),
                                      sizeof(float) * rows * splits * (p.headDim + 2), stream);
    if (err != cudaSuccess) return err;
    attnSplitKernel<C, T><<<grid, 128, 0, stream>>>(q, k, v, out, partials, p, chunk);
    err = cudaGetLastError();
    if (err == cudaSuccess) {
      attnCombineKernel<<<static_cast<unsigned>(rows), 128, 0, stream>>>(partials, out, static_cast<int>(splits),
                                                                        p.headDim);
      err = cudaGetLastError();
    }
    const cudaError_t freeErr = cudaFreeAsync(partials, stream);
    return err != cudaSuccess ? err : freeErr;
  }
  return runFlash<C>(stream, q, k, v, out, p);
}

}  // namespace

cudaError_t launchAttention(cudaStream_t stream, const float* q, int cacheDtype, const void* k, const void* v,
                            const void* mask, float* out, const AttentionShape& shape) {
  if (shape.batch * shape.seqLen * shape.numHeads == 0) return cudaSuccess;
  const Params p = toParams(shape, mask);
  const int t = lanesPerDim(shape.headDim);
  CRIA_FLOAT_TYPE_SWITCH(cacheDtype, C, {
    const C* kc = static_cast<const C*>(k);
    const C* vc = static_cast<const C*>(v);
    switch (t) {
      case 1: return runAttention<C, 1>(stream, q, kc, vc, out, p);
      case 2: return runAttention<C, 2>(stream, q, kc, vc, out, p);
      case 4: return runAttention<C, 4>(stream, q, kc, vc, out, p);
      case 8: return runAttention<C, 8>(stream, q, kc, vc, out, p);
      default: return cudaErrorInvalidValue;
    }
  })
  return cudaErrorInvalidValue;
}

cudaError_t launchAttentionWeights(cudaStream_t stream, const float* q, int cacheDtype, const void* k,
                                   const void* mask, float* out, const AttentionShape& shape) {
  const int64_t rows = shape.batch * shape.numHeads * shape.seqLen;
  if (rows == 0 || shape.kvLength == 0) return cudaSuccess;
  if (rows > 0x7fffffffLL) return cudaErrorInvalidValue;
  const Params p = toParams(shape, mask);
  const size_t smem = sizeof(float) * shape.headDim;
  CRIA_FLOAT_TYPE_SWITCH(cacheDtype, C, {
    attnWeightsKernel<C><<<static_cast<unsigned>(rows), 256, smem, stream>>>(q, static_cast<const C*>(k), out, p);
  })
  return cudaGetLastError();
}

}  // namespace cria
