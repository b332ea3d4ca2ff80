#include "cublaslt.h"

#include <dlfcn.h>
#include <library_types.h>

#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace cria {
namespace {

// The slice of cublasLt.h used here (values as in CUDA 12/13's cublasLt.h and cublas_api.h).
using Status = int;  // cublasStatus_t; 0 = CUBLAS_STATUS_SUCCESS
using Handle = void*;
using Desc = void*;
using Layout = void*;
using Preference = void*;
struct Algo { uint64_t data[8]; };
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};
constexpr int kComputeF32 = 68;           // CUBLAS_COMPUTE_32F
constexpr int kDescTransA = 3;            // CUBLASLT_MATMUL_DESC_TRANSA
constexpr int kDescTransB = 4;            // CUBLASLT_MATMUL_DESC_TRANSB
constexpr int kOpN = 0, kOpT = 1;         // CUBLAS_OP_N, CUBLAS_OP_T
constexpr int kPrefMaxWorkspace = 1;      // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES

struct Api {
  Status (*create)(Handle*);
  Status (*destroy)(Handle);
  Status (*descCreate)(Desc*, int, cudaDataType_t);
  Status (*descDestroy)(Desc);
  Status (*descSet)(Desc, int, const void*, size_t);
  Status (*layoutCreate)(Layout*, cudaDataType_t, uint64_t, uint64_t, int64_t);
  Status (*layoutDestroy)(Layout);
  Status (*prefCreate)(Preference*);
  Status (*prefDestroy)(Preference);
  Status (*prefSet)(Preference, int, const void*, size_t);
  Status (*heuristic)(Handle, Desc, Layout, Layout, Layout, Layout, Preference, int, HeuristicResult*, int*);
  Status (*matmul)(Handle, Desc, const void*, const void*, Layout, const void*, Layout, const void*, const void*, Layout,
                   void*, Layout, const Algo*, void*, size_t, cudaStream_t);
};
Api api;

template <typename F>
bool bind(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

}  // namespace

struct CublasLt::Plan {
  Desc desc = nullptr;
  Layout a = nullptr, b = nullptr, c = nullptr;
  Algo algo{};
  size_t workspace = 0;
};

CublasLt::~CublasLt() { close(); }

bool CublasLt::open() {
  if (handle_) return true;
  if (const char* off = std::getenv("CRIA_CUDA_NO_CUBLASLT"); off && *off && std::strcmp(off, "0") != 0) {
    why_ = "disabled by CRIA_CUDA_NO_CUBLASLT";
    return false;
  }
  const char* names[] = {"libcublasLt.so.13", "/usr/local/cuda/lib64/libcublasLt.so.13",
                         "/usr/local/cuda/targets/x86_64-linux/lib/libcublasLt.so.13", "libcublasLt.so"};
  for (const char* name : names) {
    lib_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib_) {
      library_ = name;
      break;
    }
  }
  if (!lib_) {
    why_ = "libcublasLt.so.13 not found";
    return false;
  }
  const bool ok = bind(lib_, "cublasLtCreate", api.create) && bind(lib_, "cublasLtDestroy", api.destroy) &&
                  bind(lib_, "cublasLtMatmulDescCreate", api.descCreate) &&
                  bind(lib_, "cublasLtMatmulDescDestroy", api.descDestroy) &&
                  bind(lib_, "cublasLtMatmulDescSetAttribute", api.descSet) &&
                  bind(lib_, "cublasLtMatrixLayoutCreate", api.layoutCreate) &&
                  bind(lib_, "cublasLtMatrixLayoutDestroy", api.layoutDestroy) &&
                  bind(lib_, "cublasLtMatmulPreferenceCreate", api.prefCreate) &&
                  bind(lib_, "cublasLtMatmulPreferenceDestroy", api.prefDestroy) &&
                  bind(lib_, "cublasLtMatmulPreferenceSetAttribute", api.prefSet) &&
                  bind(lib_, "cublasLtMatmulAlgoGetHeuristic", api.heuristic) &&
                  bind(lib_, "cublasLtMatmul", api.matmul);
  if (!ok) {
    why_ = library_ + " lacks a cublasLt symbol";
    close();
    return false;
  }
  if (api.create(&handle_) != 0) {
    handle_ = nullptr;
    why_ = "cublasLtCreate failed";
    close();
    return false;
  }
  workspaceBytes_ = 32u << 20;
  if (cudaMalloc(&workspace_, workspaceBytes_) != cudaSuccess) {
    cudaGetLastError();
    workspace_ = nullptr;
    why_ = "no memory for the cuBLASLt workspace";
    close();
    return false;
  }
  why_.clear();
  return true;
}

void CublasLt::close() {
  for (auto& [key, p] : plans_) {
    if (p->desc) api.descDestroy(p->desc);
    if (p->a) api.layoutDestroy(p->a);
    if (p->b) api.layoutDestroy(p->b);
    if (p->c) api.layoutDestroy(p->c);
    delete p;
  }
  plans_.clear();
  if (workspace_) cudaFree(workspace_);
  workspace_ = nullptr;
  if (handle_) api.destroy(handle_);
  handle_ = nullptr;
  if (lib_) dlclose(lib_);
  lib_ = nullptr;
}

// Column-major view: out^T [M, rows] = W [K, M]^T · x^T [K, rows].
CublasLt::Plan* CublasLt::plan(int weightDtype, int64_t rows, int64_t K, int64_t M) {
  const auto key = std::make_tuple(weightDtype, rows, K, M);
  if (auto it = plans_.find(key); it != plans_.end()) return it->second;
  const cudaDataType_t half = weightDtype == kF16 ? CUDA_R_16F : CUDA_R_16BF;
  Plan* p = new Plan();
  bool ok = api.descCreate(&p->desc, kComputeF32, CUDA_R_32F) == 0;
  const int transA = kOpT, transB = kOpN;
  ok = ok && api.descSet(p->desc, kDescTransA, &transA, sizeof(transA)) == 0;
  ok = ok && api.descSet(p->desc, kDescTransB, &transB, sizeof(transB)) == 0;
  ok = ok && api.layoutCreate(&p->a, half, K, M, K) == 0;
  ok = ok && api.layoutCreate(&p->b, half, K, rows, K) == 0;
  ok = ok && api.layoutCreate(&p->c, CUDA_R_32F, M, rows, M) == 0;
  Preference pref = nullptr;
  ok = ok && api.prefCreate(&pref) == 0;
  ok = ok && api.prefSet(pref, kPrefMaxWorkspace, &workspaceBytes_, sizeof(workspaceBytes_)) == 0;
  HeuristicResult result{};
  int found = 0;
  ok = ok && api.heuristic(handle_, p->desc, p->a, p->b, p->c, p->c, pref, 1, &result, &found) == 0 && found > 0;
  if (pref) api.prefDestroy(pref);
  if (!ok) {
    if (p->desc) api.descDestroy(p->desc);
    if (p->a) api.layoutDestroy(p->a);
    if (p->b) api.layoutDestroy(p->b);
    if (p->c) api.layoutDestroy(p->c);
    delete p;
    plans_[key] = nullptr;
    return nullptr;
  }
  p->algo = result.algo;
  p->workspace = result.workspaceSize;
  plans_[key] = p;
  return p;
}

cudaError_t CublasLt::linear(cudaStream_t stream, const float* x, int weightDtype, const void* w, int biasDtype,
                             const void* bias, float* out, int64_t rows, int64_t K, int64_t M) {
  Plan* p = plan(weightDtype, rows, K, M);
  if (!p) return cudaErrorNotSupported;  // the caller falls back to the WMMA kernel
  void* split = nullptr;
  const size_t halfBytes = static_cast<size_t>(rows * K) * 2;
  cudaError_t err = cudaMallocAsync(&split, 2 * halfBytes, stream);
  if (err != cudaSuccess) return err;
  void* hi = split;
  void* lo = static_cast<char*>(split) + halfBytes;
  err = launchSplitHalves(stream, x, weightDtype, hi, lo, rows * K);
  const float one = 1.f, zero = 0.f;
  if (err == cudaSuccess &&
      (api.matmul(handle_, p->desc, &one, w, p->a, lo, p->b, &zero, out, p->c, out, p->c, &p->algo, workspace_,
                  workspaceBytes_, stream) != 0 ||
       api.matmul(handle_, p->desc, &one, w, p->a, hi, p->b, &one, out, p->c, out, p->c, &p->algo, workspace_,
                  workspaceBytes_, stream) != 0))
    err = cudaErrorLaunchFailure;
  if (err == cudaSuccess && bias) err = launchAddBias(stream, out, biasDtype, bias, rows, M);
  const cudaError_t freeErr = cudaFreeAsync(split, stream);
  return err != cudaSuccess ? err : freeErr;
}

}  // namespace cria
