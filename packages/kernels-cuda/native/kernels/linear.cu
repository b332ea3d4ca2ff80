// linear: out[rows, M] = x[rows, K] · weight[M, K]^T (+ bias). Three kernels, picked by shape:
//  - matvecKernel (rows <= 8, decode): each weight row streamed once with 16-byte loads, split over up to
//    8 warps when M is small so every SM has loads in flight; x stays float32. Its gated form serves
//    linearSiluMul (silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias)) for decode rows: both rows streamed per warp.
//  - gemmWmmaKernel (float16/bfloat16 weights, prefill): tensor cores (WMMA 16x16x16, float32 accumulate),
//    128x128x32 tiles; x enters as a hi + lo pair of the weight's dtype so the float32 contract holds.
//  - gemmSimtKernel (float32 weights, or shapes the others cannot take): 64x64 tiles, 4x4 per thread.
#include <mma.h>

#include <cmath>
#include "../common.cuh"
#include "../kernels.h"

namespace cria {
namespace {

// ---------------------------------------------------------------- matvec
template <typename W> struct Pack16;
template <> struct Pack16<float> {
  static constexpr int N = 4;
  __device__ static void unpack(uint4 raw, float* w) {
    w[0] = __uint_as_float(raw.x); w[1] = __uint_as_float(raw.y);
    w[2] = __uint_as_float(raw.z); w[3] = __uint_as_float(raw.w);
  }
};
template <> struct Pack16<__half> {
  static constexpr int N = 8;
  __device__ static void unpack(uint4 raw, float* w) {
    const unsigned int u[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 f = __half22float2(*reinterpret_cast<const __half2*>(&u[i]));
      w[2 * i] = f.x; w[2 * i + 1] = f.y;
    }
  }
};
template <> struct Pack16<__nv_bfloat16> {
  static constexpr int N = 8;
  __device__ static void unpack(uint4 raw, float* w) {
    const unsigned int u[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      w[2 * i] = __uint_as_float(u[i] << 16);
      w[2 * i + 1] = __uint_as_float(u[i] & 0xffff0000u);
    }
  }
};

__device__ __forceinline__ uint4 loadStreaming(const uint4* p) {
  uint4 r;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w) : "l"(p));
  return r;
}

constexpr int kMatvecWarps = 8;

// What the matvec writes for one output from its P sums and biases: the linear value, or (P = 2, gated) siluMul's
// silu(gate + gateBias) * (up + upBias).
template <int P>
__device__ __forceinline__ float matvecOutput(const float (&sum)[P], const float (&b)[P]) {
  const float g = sum[0] + b[0];
  if constexpr (P == 1) return g;
  else return silu(g) * (sum[1] + b[1]);
}

// Block: 8 warps; `split` warps share one output row (split in {1, 2, 4, 8}); a block strides over rows when
// the grid is smaller than the matrix. Gated (linearSiluMul): each warp streams row m of `weight` (the gate) and of
// `up` with the same split, accumulates both against the same x loads, and writes silu(gate + bias) * (up + upBias);
// the gate's sums are taken in the order linear takes them, so the result is linear, linear, siluMul's.
// The body, over the rows of one matrix: `block` of `blocks` is this block's place among the blocks that share it
// (the whole grid for linear, one segment's blocks for linearMany).
template <typename W, int R, bool Gated>
__device__ __forceinline__ void matvecRows(const float* __restrict__ x, const W* __restrict__ weight,
                                           const W* __restrict__ up, int biasDtype, const void* bias,
                                           const void* upBias, float* __restrict__ out, int rows, int64_t K, int64_t M,
                                           int split, int64_t block, int64_t blocks) {
  constexpr int N = Pack16<W>::N;
  constexpr int P = Gated ? 2 : 1;  // projections per output
  __shared__ float partial[kMatvecWarps][R][P];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int rowsPerBlock = kMatvecWarps / split;
  const int part = warp % split;
  const int64_t step = (int64_t)split * 32 * N;
  for (int64_t base = block * rowsPerBlock; base < M; base += blocks * rowsPerBlock) {
    const int64_t m = base + warp / split;
    float acc[R][P];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
      for (int p = 0; p < P; ++p) acc[r][p] = 0.f;
    if (m < M) {
      const W* wrow = weight + m * K;
      const W* urow = Gated ? up + m * K : nullptr;
      int64_t k0 = ((int64_t)part * 32 + lane) * N;
#pragma unroll 4
      for (; k0 < K; k0 += step) {
        uint4 raw[P];
        raw[0] = loadStreaming(reinterpret_cast<const uint4*>(wrow + k0));
        if constexpr (Gated) raw[1] = loadStreaming(reinterpret_cast<const uint4*>(urow + k0));
        float w[P][N];
#pragma unroll
        for (int p = 0; p < P; ++p) Pack16<W>::unpack(raw[p], w[p]);
#pragma unroll
        for (int r = 0; r < R; ++r) {
          if (r < rows) {
            const float4* xr = reinterpret_cast<const float4*>(x + (int64_t)r * K + k0);
#pragma unroll
            for (int q = 0; q < N / 4; ++q) {
              const float4 xv = __ldg(xr + q);
#pragma unroll
              for (int p = 0; p < P; ++p) {
                acc[r][p] = fmaf(w[p][4 * q], xv.x, acc[r][p]);
                acc[r][p] = fmaf(w[p][4 * q + 1], xv.y, acc[r][p]);
                acc[r][p] = fmaf(w[p][4 * q + 2], xv.z, acc[r][p]);
                acc[r][p] = fmaf(w[p][4 * q + 3], xv.w, acc[r][p]);
              }
            }
          }
        }
      }
    }
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
      for (int p = 0; p < P; ++p) acc[r][p] = warpSum(acc[r][p]);
    if (split == 1) {
      if (lane == 0 && m < M) {
        float b[P];
        b[0] = bias ? loadAsFloat(bias, biasDtype, m) : 0.f;
        if constexpr (Gated) b[1] = upBias ? loadAsFloat(upBias, biasDtype, m) : 0.f;
#pragma unroll
        for (int r = 0; r < R; ++r)
          if (r < rows) out[(int64_t)r * M + m] = matvecOutput<P>(acc[r], b);
      }
      continue;
    }
    if (lane == 0) {
#pragma unroll
      for (int r = 0; r < R; ++r)
#pragma unroll
        for (int p = 0; p < P; ++p) partial[warp][r][p] = acc[r][p];
    }
    __syncthreads();
    if (part == 0 && lane < R && lane < rows && m < M) {
      float sum[P];
#pragma unroll
      for (int p = 0; p < P; ++p) {
        sum[p] = 0.f;
        for (int q = 0; q < split; ++q) sum[p] += partial[warp + q][lane][p];
      }
      float b[P];
      b[0] = bias ? loadAsFloat(bias, biasDtype, m) : 0.f;
      if constexpr (Gated) b[1] = upBias ? loadAsFloat(upBias, biasDtype, m) : 0.f;
      out[(int64_t)lane * M + m] = matvecOutput<P>(sum, b);
    }
    __syncthreads();  // partial is reused by the next rows
  }
}

template <typename W, int R, bool Gated>
__global__ __launch_bounds__(256) void matvecKernel(const float* __restrict__ x, const W* __restrict__ weight,
                                                    const W* __restrict__ up, int biasDtype, const void* bias,
                                                    const void* upBias, float* __restrict__ out, int rows, int64_t K,
                                                    int64_t M, int split) {
  matvecRows<W, R, Gated>(x, weight, up, biasDtype, bias, upBias, out, rows, K, M, split, (int64_t)blockIdx.x,
                          (int64_t)gridDim.x);
}

// linearMany's segments, passed by value: the grid covers weight 0's blocks, then weight 1's, ...; segment i owns
// blocks firstBlock[i] .. firstBlock[i + 1] - 1 (the last up to gridDim.x) and runs linear's matvec on them with the
// split linear would choose for its M, so each output is linear's, bit for bit.
struct MatvecSegments {
  const void* weight[kMaxLinearManyWeights];
  const void* bias[kMaxLinearManyWeights];
  float* out[kMaxLinearManyWeights];
  int64_t M[kMaxLinearManyWeights];
  int split[kMaxLinearManyWeights];
  int firstBlock[kMaxLinearManyWeights];
  int count;
};

// Each block finds its segment (an unrolled scan of the first blocks), reads the segment's fields from the parameter
// bank (no local-memory copy of the struct: ptxas reports the same stack frame as selecting them field by field), then
// runs matvecRows on it.
template <typename W, int R>
__global__ __launch_bounds__(256) void matvecSegmentsKernel(const float* __restrict__ x, const MatvecSegments segs,
                                                            int biasDtype, int rows, int64_t K) {
  const int b = static_cast<int>(blockIdx.x);
  int s = 0;
#pragma unroll
  for (int i = 1; i < kMaxLinearManyWeights; ++i)
    if (i < segs.count && b >= segs.firstBlock[i]) s = i;
  const void* weight = segs.weight[s];
  const void* bias = segs.bias[s];
  float* out = segs.out[s];
  const int64_t M = segs.M[s];
  const int split = segs.split[s];
  const int first = segs.firstBlock[s];
  const int end = s + 1 < segs.count ? segs.firstBlock[s + 1] : static_cast<int>(gridDim.x);
  matvecRows<W, R, false>(x, static_cast<const W*>(weight), nullptr, biasDtype, bias, nullptr, out, rows, K, M, split,
                          (int64_t)(b - first), (int64_t)(end - first));
}

// Blocks the GPU keeps resident for the matvec kernel (8 per SM at 256 threads), once per process.
int residentMatvecBlocks() {
  static int blocks = 0;
  if (blocks == 0) {
    int device = 0, sms = 0;
    if (cudaGetDevice(&device) != cudaSuccess || cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || sms <= 0) {
      cudaGetLastError();
      sms = 132;
    }
    blocks = sms * 8;
  }
  return blocks;
}

// How many warps share a row: enough warps in flight to saturate memory (>= 16384 when the matrix allows),
// then the split whose grid ends closest to a whole number of waves (a 2.6-wave grid idles ~13% of the GPU
// in its last wave), each warp still reading at least one 16-byte chunk per lane.
int chooseSplit(int64_t M, int64_t K, int elementsPer16Bytes) {
  const double resident = residentMatvecBlocks();
  int best = 1;
  double bestScore = -1.0;
  for (int split = 1; split <= kMatvecWarps; split *= 2) {
    if (split > 1 && K / split < 32 * elementsPer16Bytes) break;
    const double blocks = std::ceil(static_cast<double>(M) * split / kMatvecWarps);
    const double waves = blocks / resident;
    const double efficiency = waves / std::ceil(waves);
    const double score = efficiency + (M * split >= 16384 ? 1.0 : 0.0);
    if (score > bestScore + 0.01) {
      best = split;
      bestScore = score;
    }
  }
  return best;
}

// `up` and `upBias` are used only when Gated (linearSiluMul); linear passes null.
template <typename W, int R, bool Gated>
cudaError_t launchMatvecR(cudaStream_t stream, const float* x, const W* w, const W* up, int biasDtype, const void* bias,
                          const void* upBias, float* out, int rows, int64_t K, int64_t M) {
  const int split = chooseSplit(M, K, Pack16<W>::N);
  const int rowsPerBlock = kMatvecWarps / split;
  int64_t blocks = (M + rowsPerBlock - 1) / rowsPerBlock;
  if (blocks > 0x7fffffffLL) blocks = 0x7fffffffLL;
  matvecKernel<W, R, Gated><<<static_cast<unsigned>(blocks), 256, 0, stream>>>(x, w, up, biasDtype, bias, upBias, out,
                                                                                rows, K, M, split);
  return cudaGetLastError();
}

template <typename W, bool Gated>
cudaError_t launchMatvec(cudaStream_t stream, const float* x, const W* w, const W* up, int biasDtype, const void* bias,
                         const void* upBias, float* out, int64_t rows, int64_t K, int64_t M) {
  const int r = static_cast<int>(rows);
  if (rows == 1) return launchMatvecR<W, 1, Gated>(stream, x, w, up, biasDtype, bias, upBias, out, r, K, M);
  if (rows == 2) return launchMatvecR<W, 2, Gated>(stream, x, w, up, biasDtype, bias, upBias, out, r, K, M);
  if (rows <= 4) return launchMatvecR<W, 4, Gated>(stream, x, w, up, biasDtype, bias, upBias, out, r, K, M);
  return launchMatvecR<W, 8, Gated>(stream, x, w, up, biasDtype, bias, upBias, out, r, K, M);
}

// linearMany at decode: one launch, each weight's rows with the split linear's launchMatvecR would choose for them.
template <typename W, int R>
cudaError_t launchMatvecSegmentsR(cudaStream_t stream, const float* x, int count, const void* const* weights,
                                  int biasDtype, const void* const* biases, float* const* outs, const int64_t* Ms,
                                  int rows, int64_t K) {
  MatvecSegments segs{};
  segs.count = count;
  int64_t blocks = 0;
  for (int i = 0; i < count; ++i) {
    const int split = chooseSplit(Ms[i], K, Pack16<W>::N);
    const int rowsPerBlock = kMatvecWarps / split;
    segs.weight[i] = weights[i];
    segs.bias[i] = biases ? biases[i] : nullptr;
    segs.out[i] = outs[i];
    segs.M[i] = Ms[i];
    segs.split[i] = split;
    segs.firstBlock[i] = static_cast<int>(blocks);
    blocks += (Ms[i] + rowsPerBlock - 1) / rowsPerBlock;  // at most Ms[i]: the sum stays below 2^31 (checked)
  }
  if (blocks == 0) return cudaSuccess;
  matvecSegmentsKernel<W, R><<<static_cast<unsigned>(blocks), 256, 0, stream>>>(x, segs, biasDtype, rows, K);
  return cudaGetLastError();
}

template <typename W>
cudaError_t launchMatvecSegments(cudaStream_t stream, const float* x, int count, const void* const* weights,
                                 int biasDtype, const void* const* biases, float* const* outs, const int64_t* Ms,
                                 int64_t rows, int64_t K) {
  const int r = static_cast<int>(rows);
  if (rows == 1) return launchMatvecSegmentsR<W, 1>(stream, x, count, weights, biasDtype, biases, outs, Ms, r, K);
  if (rows == 2) return launchMatvecSegmentsR<W, 2>(stream, x, count, weights, biasDtype, biases, outs, Ms, r, K);
  if (rows <= 4) return launchMatvecSegmentsR<W, 4>(stream, x, count, weights, biasDtype, biases, outs, Ms, r, K);
  return launchMatvecSegmentsR<W, 8>(stream, x, count, weights, biasDtype, biases, outs, Ms, r, K);
}

// ---------------------------------------------------------------- tensor-core GEMM
namespace wmma = nvcuda::wmma;
constexpr int kBM = 128, kBN = 128, kBK = 32, kLds = kBK + 8;

template <typename W> __device__ __forceinline__ uint2 packFour(float4 v);
template <> __device__ __forceinline__ uint2 packFour<__half>(float4 v) {
  const __half2 a = __floats2half2_rn(v.x, v.y), b = __floats2half2_rn(v.z, v.w);
  return make_uint2(*reinterpret_cast<const unsigned int*>(&a), *reinterpret_cast<const unsigned int*>(&b));
}
template <> __device__ __forceinline__ uint2 packFour<__nv_bfloat16>(float4 v) {
  const __nv_bfloat162 a = __floats2bfloat162_rn(v.x, v.y), b = __floats2bfloat162_rn(v.z, v.w);
  return make_uint2(*reinterpret_cast<const unsigned int*>(&a), *reinterpret_cast<const unsigned int*>(&b));
}

// x rounded to W loses ~2^-9 (bf16) of each activation, far above the float32 contract. So x is split into
// hi = round(x) and lo = round(x - hi) and both products are accumulated: x is then carried to ~2^-18
// (bf16) / ~2^-22 (f16) relative, while the weights are exact. Two MMAs per tile.
template <typename W> __device__ __forceinline__ void splitFour(float4 v, uint2& hi, uint2& lo) {
  hi = packFour<W>(v);
  const W* h = reinterpret_cast<const W*>(&hi);
  lo = packFour<W>(make_float4(v.x - toFloat<W>(h[0]), v.y - toFloat<W>(h[1]), v.z - toFloat<W>(h[2]), v.w - toFloat<W>(h[3])));
}

// Requires K % 8 == 0 and 16-byte aligned x and weight. One shared buffer, loads of the next tile in flight
// (registers) while the current one is multiplied.
template <typename W>
__global__ __launch_bounds__(256) void gemmWmmaKernel(const float* __restrict__ x, const W* __restrict__ weight,
                                                      int biasDtype, const void* bias, float* __restrict__ out,
                                                      int64_t rows, int64_t K, int64_t M) {
  __shared__ __align__(128) W Ahi[kBM * kLds];
  __shared__ __align__(128) W Alo[kBM * kLds];
  __shared__ __align__(128) W Bs[kBN * kLds];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int64_t row0 = (int64_t)blockIdx.y * kBM, col0 = (int64_t)blockIdx.x * kBN;
  const int wm = warp / 4, wn = warp % 4;  // warp tile: 64 rows x 32 cols

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  // A (x, float32): 128 rows x 32 k = 1024 float4; thread: rows tid/8 + 32 i, k (tid%8)*4.
  // B (weight): 128 rows x 32 k = 512 uint4 (8 elements); thread: rows tid/4 + 64 i, k (tid%4)*8.
  float4 ra[4];
  uint4 rb[2];
  const int aRow = tid / 8, aK = (tid % 8) * 4, bRow = tid / 4, bK = (tid % 4) * 8;
  auto loadGlobal = [&](int64_t k0) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int64_t r = row0 + aRow + 32 * i, k = k0 + aK;
      ra[i] = (r < rows && k < K) ? __ldg(reinterpret_cast<const float4*>(x + r * K + k)) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      const int64_t r = col0 + bRow + 64 * i, k = k0 + bK;
      rb[i] = (r < M && k < K) ? __ldg(reinterpret_cast<const uint4*>(weight + r * K + k)) : make_uint4(0, 0, 0, 0);
    }
  };
  auto storeShared = [&]() {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint2 hi, lo;
      splitFour<W>(ra[i], hi, lo);
      *reinterpret_cast<uint2*>(&Ahi[(aRow + 32 * i) * kLds + aK]) = hi;
      *reinterpret_cast<uint2*>(&Alo[(aRow + 32 * i) * kLds + aK]) = lo;
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) *reinterpret_cast<uint4*>(&Bs[(bRow + 64 * i) * kLds + bK]) = rb[i];
  };

  const int64_t tiles = (K + kBK - 1) / kBK;
  loadGlobal(0);
  for (int64_t t = 0; t < tiles; ++t) {
    storeShared();
    __syncthreads();
    if (t + 1 < tiles) loadGlobal((t + 1) * kBK);
#pragma unroll
    for (int kk = 0; kk < kBK; kk += 16) {
      wmma::fragment<wmma::matrix_b, 16, 16, 16, W, wmma::col_major> b[2];
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], &Bs[(wn * 32 + j * 16) * kLds + kk], kLds);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, W, wmma::row_major> hi, lo;
        wmma::load_matrix_sync(hi, &Ahi[(wm * 64 + i * 16) * kLds + kk], kLds);
        wmma::load_matrix_sync(lo, &Alo[(wm * 64 + i * 16) * kLds + kk], kLds);
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          wmma::mma_sync(acc[i][j], lo, b[j], acc[i][j]);
          wmma::mma_sync(acc[i][j], hi, b[j], acc[i][j]);
        }
      }
    }
    __syncthreads();
  }

  // Epilogue through a 16x16 float scratch per warp (reusing Ahi: 8 warps x 1 KiB), adding the bias.
  float* scratch = reinterpret_cast<float*>(&Ahi[0]) + warp * 256;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      const int r = lane / 2, c0 = (lane % 2) * 8;
      const int64_t gr = row0 + wm * 64 + i * 16 + r;
      if (gr < rows) {
#pragma unroll
        for (int c = 0; c < 8; ++c) {
          const int64_t gc = col0 + wn * 32 + j * 16 + c0 + c;
          if (gc < M) out[gr * M + gc] = scratch[r * 16 + c0 + c] + (bias ? loadAsFloat(bias, biasDtype, gc) : 0.f);
        }
      }
      __syncwarp();
    }
  }
}

// ---------------------------------------------------------------- SIMT GEMM (any dtype, any shape)
template <typename W>
__global__ __launch_bounds__(256) void gemmSimtKernel(const float* __restrict__ x, const W* __restrict__ weight,
                                                      int biasDtype, const void* bias, float* __restrict__ out,
                                                      int64_t rows, int64_t K, int64_t M) {
  __shared__ float As[16][64 + 4];
  __shared__ float Bs[16][64 + 4];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t row0 = (int64_t)blockIdx.y * 64, col0 = (int64_t)blockIdx.x * 64;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < K; k0 += 16) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int e = tid + 256 * i, r = e / 16, kk = e % 16;
      const int64_t gr = row0 + r, gk = k0 + kk, gc = col0 + r;
      As[kk][r] = (gr < rows && gk < K) ? x[gr * K + gk] : 0.f;
      Bs[kk][r] = (gc < M && gk < K) ? toFloat<W>(weight[gc * K + gk]) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < 16; ++kk) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) { a[i] = As[kk][ty * 4 + i]; b[i] = Bs[kk][tx * 4 + i]; }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t gr = row0 + ty * 4 + i;
    if (gr >= rows) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t gc = col0 + tx * 4 + j;
      if (gc < M) out[gr * M + gc] = acc[i][j] + (bias ? loadAsFloat(bias, biasDtype, gc) : 0.f);
    }
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// When the matvec kernel serves a product: decode rows (<= 8), K a whole number of 16-byte weight loads, x and the
// weights (gate and up for linearSiluMul) 16-byte aligned.
template <typename W>
bool matvecTakes(const float* x, const W* w, const W* up, int64_t rows, int64_t K) {
  return rows <= 8 && K % Pack16<W>::N == 0 && aligned16(x) && aligned16(w) && aligned16(up);
}

template <typename W>
cudaError_t launchLinearTyped(cudaStream_t stream, const float* x, const W* w, int biasDtype, const void* bias,
                              float* out, int64_t rows, int64_t K, int64_t M) {
  if (matvecTakes<W>(x, w, w, rows, K)) return launchMatvec<W, false>(stream, x, w, nullptr, biasDtype, bias, nullptr, out, rows, K, M);
  if constexpr (sizeof(W) == 2) {
    if (K % 8 == 0 && aligned16(x) && aligned16(w)) {
      const dim3 grid(static_cast<unsigned>((M + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
      if ((M + kBN - 1) / kBN > 0x7fffffffLL || (rows + kBM - 1) / kBM > 65535) return cudaErrorInvalidValue;
      gemmWmmaKernel<W><<<grid, 256, 0, stream>>>(x, w, biasDtype, bias, out, rows, K, M);
      return cudaGetLastError();
    }
  }
  if ((M + 63) / 64 > 0x7fffffffLL || (rows + 63) / 64 > 65535) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>((M + 63) / 64), static_cast<unsigned>((rows + 63) / 64));
  gemmSimtKernel<W><<<grid, 256, 0, stream>>>(x, w, biasDtype, bias, out, rows, K, M);
  return cudaGetLastError();
}

template <typename H>
__global__ void splitHalvesKernel(const float* __restrict__ x, H* __restrict__ hi, H* __restrict__ lo, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float v = x[i];
    const H h = fromFloat<H>(v);
    hi[i] = h;
    lo[i] = fromFloat<H>(v - toFloat<H>(h));
  }
}

__global__ void addBiasKernel(float* __restrict__ out, int biasDtype, const void* bias, int64_t rows, int64_t M) {
  const int64_t n = rows * M;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] += loadAsFloat(bias, biasDtype, i % M);
}

}  // namespace

cudaError_t launchSplitHalves(cudaStream_t stream, const float* x, int halfDtype, void* hi, void* lo, int64_t n) {
  if (n == 0) return cudaSuccess;
  if (halfDtype == kF16)
    splitHalvesKernel<__half><<<blocksFor(n, 256), 256, 0, stream>>>(x, static_cast<__half*>(hi), static_cast<__half*>(lo), n);
  else if (halfDtype == kBF16)
    splitHalvesKernel<__nv_bfloat16><<<blocksFor(n, 256), 256, 0, stream>>>(x, static_cast<__nv_bfloat16*>(hi),
                                                                            static_cast<__nv_bfloat16*>(lo), n);
  else
    return cudaErrorInvalidValue;
  return cudaGetLastError();
}

cudaError_t launchAddBias(cudaStream_t stream, float* out, int biasDtype, const void* bias, int64_t rows, int64_t M) {
  if (rows * M == 0) return cudaSuccess;
  addBiasKernel<<<blocksFor(rows * M, 256), 256, 0, stream>>>(out, biasDtype, bias, rows, M);
  return cudaGetLastError();
}

cudaError_t launchLinear(cudaStream_t stream, const float* x, int weightDtype, const void* weight, int biasDtype,
                         const void* bias, float* out, int64_t rows, int64_t K, int64_t M) {
  if (rows == 0 || M == 0) return cudaSuccess;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    return launchLinearTyped<W>(stream, x, static_cast<const W*>(weight), biasDtype, bias, out, rows, K, M);
  })
  return cudaErrorInvalidValue;
}

cudaError_t launchLinearSiluMul(cudaStream_t stream, const float* x, int weightDtype, const void* gate, const void* up,
                                int biasDtype, const void* gateBias, const void* upBias, float* out, int64_t rows,
                                int64_t K, int64_t M) {
  if (rows == 0 || M == 0) return cudaSuccess;
  if ((gateBias == nullptr) != (upBias == nullptr)) return cudaErrorInvalidValue;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    const W* g = static_cast<const W*>(gate);
    const W* u = static_cast<const W*>(up);
    if (!matvecTakes<W>(x, g, u, rows, K)) return cudaErrorInvalidValue;
    return launchMatvec<W, true>(stream, x, g, u, biasDtype, gateBias, upBias, out, rows, K, M);
  })
  return cudaErrorInvalidValue;
}

cudaError_t launchLinearMany(cudaStream_t stream, const float* x, int weightDtype, int count, const void* const* weights,
                             int biasDtype, const void* const* biases, float* const* outs, const int64_t* Ms,
                             int64_t rows, int64_t K) {
  if (count < 1 || count > kMaxLinearManyWeights) return cudaErrorInvalidValue;
  int64_t totalM = 0;
  for (int i = 0; i < count; ++i) {
    if (Ms[i] < 0) return cudaErrorInvalidValue;
    totalM += Ms[i];
  }
  if (totalM > 0x7fffffffLL) return cudaErrorInvalidValue;
  if (rows == 0 || totalM == 0) return cudaSuccess;
  CRIA_FLOAT_TYPE_SWITCH(weightDtype, W, {
    for (int i = 0; i < count; ++i)
      if (!matvecTakes<W>(x, static_cast<const W*>(weights[i]), static_cast<const W*>(weights[i]), rows, K))
        return cudaErrorInvalidValue;
    return launchMatvecSegments<W>(stream, x, count, weights, biasDtype, biases, outs, Ms, rows, K);
  })
  return cudaErrorInvalidValue;
}

}  // namespace cria
