// One CUDA device and one stream: memory (stream-ordered pool), transfers, ops, graph capture.
#pragma once
#include <napi.h>
#include <cuda_runtime.h>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "cublaslt.h"

namespace cria {

class Context : public Napi::ObjectWrap<Context> {
 public:
  static void define(Napi::Env env, Napi::Object exports);
  explicit Context(const Napi::CallbackInfo& info);
  ~Context() override;

  cudaStream_t stream() const { return stream_; }

 private:
  // memory and transfers
  Napi::Value alloc(const Napi::CallbackInfo& info);
  Napi::Value free(const Napi::CallbackInfo& info);
  Napi::Value zero(const Napi::CallbackInfo& info);
  Napi::Value upload(const Napi::CallbackInfo& info);
  Napi::Value copy(const Napi::CallbackInfo& info);
  Napi::Value download(const Napi::CallbackInfo& info);
  Napi::Value synchronize(const Napi::CallbackInfo& info);
  Napi::Value memoryInfo(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value gemmInfo(const Napi::CallbackInfo& info);
  // ops
  Napi::Value embedding(const Napi::CallbackInfo& info);
  Napi::Value rmsNorm(const Napi::CallbackInfo& info);
  Napi::Value addRmsNorm(const Napi::CallbackInfo& info);
  Napi::Value linear(const Napi::CallbackInfo& info);
  Napi::Value linearSiluMul(const Napi::CallbackInfo& info);
  Napi::Value linearMany(const Napi::CallbackInfo& info);
  Napi::Value blockLinear(const Napi::CallbackInfo& info);
  Napi::Value blockEmbedding(const Napi::CallbackInfo& info);
  Napi::Value rope(const Napi::CallbackInfo& info);
  Napi::Value kvWrite(const Napi::CallbackInfo& info);
  Napi::Value attention(const Napi::CallbackInfo& info);
  Napi::Value attentionWeights(const Napi::CallbackInfo& info);
  Napi::Value siluMul(const Napi::CallbackInfo& info);
  Napi::Value add(const Napi::CallbackInfo& info);
  Napi::Value softmax(const Napi::CallbackInfo& info);
  Napi::Value argmax(const Napi::CallbackInfo& info);
  Napi::Value topk(const Napi::CallbackInfo& info);
  Napi::Value cast(const Napi::CallbackInfo& info);
  // CUDA graphs
  Napi::Value beginCapture(const Napi::CallbackInfo& info);
  Napi::Value endCapture(const Napi::CallbackInfo& info);
  Napi::Value replay(const Napi::CallbackInfo& info);
  Napi::Value destroyGraph(const Napi::CallbackInfo& info);
  Napi::Value increment(const Napi::CallbackInfo& info);
  // timing
  Napi::Value timeSince(const Napi::CallbackInfo& info);
  Napi::Value recordTimer(const Napi::CallbackInfo& info);

  void check(Napi::Env env, cudaError_t err, const char* what) const;
  void requireLive(Napi::Env env) const;
  void release();

  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  bool live_ = false;
  // Pinned staging for uploads: two buffers, each reusable once its event has fired.
  static constexpr size_t kStagingBytes = 8u << 20;
  void* staging_[2] = {nullptr, nullptr};
  cudaEvent_t stagingDone_[2] = {nullptr, nullptr};
  bool stagingUsed_[2] = {false, false};
  // Graph capture: pointers allocated while capturing (graph-owned), frees deferred until capture ends.
  bool capturing_ = false;
  std::unordered_set<uintptr_t> captureAllocs_;
  std::vector<void*> deferredFrees_;
  struct Graph {
    cudaGraphExec_t exec;
    std::vector<void*> allocations;  // graph allocations left live by the captured work
    bool launched;
    std::unordered_set<uintptr_t> released;  // allocations whose tensors were disposed while the graph lived
  };
  std::vector<Graph*> graphs_;
  // Allocations of destroyed graphs still referenced by tensors: live ones are freed by free(), ones never
  // realised (the graph was never launched) are forgotten.
  std::unordered_set<uintptr_t> orphanLive_, orphanUnrealised_;
  std::vector<cudaEvent_t> timers_;
  cudaError_t releaseOutsideCapture(void* p);
  CublasLt lt_;  // the prefill GEMM when libcublasLt is present
};

}  // namespace cria
