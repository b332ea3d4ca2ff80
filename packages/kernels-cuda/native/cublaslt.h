// cuBLASLt, loaded at run time with dlopen when its library is present (the build machine has no cuBLAS):
// the prefill GEMM for float16/bfloat16 weights. Activations enter as hi + lo halves (two GEMMs into the same
// float32 output) so the float32 contract holds, as in the WMMA kernel.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace cria {

class CublasLt {
 public:
  CublasLt() = default;
  ~CublasLt();
  CublasLt(const CublasLt&) = delete;
  CublasLt& operator=(const CublasLt&) = delete;

  // Loads the library and creates a handle and workspace; false (with `why()`) when unavailable.
  bool open();
  bool available() const { return handle_ != nullptr; }
  const std::string& why() const { return why_; }
  const std::string& library() const { return library_; }

  // out[rows, M] = x[rows, K] · w[M, K]^T (+ bias). weightDtype kF16 or kBF16.
  cudaError_t linear(cudaStream_t stream, const float* x, int weightDtype, const void* w, int biasDtype,
                     const void* bias, float* out, int64_t rows, int64_t K, int64_t M);
  void close();

 private:
  struct Plan;
  Plan* plan(int weightDtype, int64_t rows, int64_t K, int64_t M);

  void* lib_ = nullptr;
  void* handle_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspaceBytes_ = 0;
  std::string why_ = "not opened";
  std::string library_;
  std::map<std::tuple<int, int64_t, int64_t, int64_t>, Plan*> plans_;
};

}  // namespace cria
