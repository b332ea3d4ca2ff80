#include "context.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "block_weights.h"
#include "kernels.h"

namespace cria {
namespace {

void* ptrArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  if (!info[i].IsBigInt()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a device pointer (bigint)");
  bool lossless = true;
  return reinterpret_cast<void*>(static_cast<uintptr_t>(info[i].As<Napi::BigInt>().Uint64Value(&lossless)));
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

float floatArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().FloatValue();
}

Napi::BigInt ptrValue(Napi::Env env, const void* p) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)));
}

// Pinned host buffers for read-back, reused by size class (main thread only).
std::map<size_t, std::vector<void*>> pinnedCache;

size_t sizeClass(size_t bytes) {
  size_t c = 4096;
  while (c < bytes) c <<= 1;
  return c;
}

cudaError_t takePinned(size_t bytes, void** out) {
  const size_t cls = sizeClass(bytes);
  auto& list = pinnedCache[cls];
  if (!list.empty()) {
    *out = list.back();
    list.pop_back();
    return cudaSuccess;
  }
  return cudaMallocHost(out, cls);
}

void givePinned(size_t bytes, void* p) {
  const size_t cls = sizeClass(bytes);
  auto& list = pinnedCache[cls];
  if (cls <= (64u << 20) && list.size() < 4) list.push_back(p);
  else cudaFreeHost(p);
}

// Waits (off the main thread) for an event, then hands the bytes to JavaScript.
class ReadWorker : public Napi::AsyncWorker {
 public:
  ReadWorker(Napi::Env env, Napi::Object owner, cudaEvent_t done, void* pinned, size_t bytes)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), done_(done), pinned_(pinned),
        bytes_(bytes) {
    owner_ = Napi::Persistent(owner);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    const cudaError_t err = cudaEventSynchronize(done_);
    if (err != cudaSuccess) SetError(std::string("CUDA error while waiting for the stream: ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (pinned_) {
      Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes_);
      std::memcpy(buffer.Data(), pinned_, bytes_);
      finish();
      deferred_.Resolve(buffer);
    } else {
      finish();
      deferred_.Resolve(env.Undefined());
    }
  }
  void OnError(const Napi::Error& error) override {
    finish();
    deferred_.Reject(error.Value());
  }

 private:
  void finish() {
    cudaEventDestroy(done_);
    if (pinned_) givePinned(bytes_, pinned_);
    pinned_ = nullptr;
    owner_.Reset();
  }
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  cudaEvent_t done_;
  void* pinned_;
  size_t bytes_;
};

// Below this many rows the WMMA kernel (or matvec) is as fast and needs no split buffers.
constexpr int64_t kCublasLtMinRows = 64;

int dtypeArg(const Napi::CallbackInfo& info, size_t i) {
  const int64_t d = intArg(info, i);
  if (d < kF32 || d > kI32) throw Napi::RangeError::New(info.Env(), "unknown dtype code " + std::to_string(d));
  return static_cast<int>(d);
}

// Argument i as a JavaScript array of exactly `count` entries (count < 0: any length up to kMaxLinearManyWeights).
Napi::Array arrayArg(const Napi::CallbackInfo& info, size_t i, int64_t count) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array");
  Napi::Array a = info[i].As<Napi::Array>();
  const int64_t length = a.Length();
  if (count >= 0 ? length != count : (length < 1 || length > kMaxLinearManyWeights))
    throw Napi::RangeError::New(info.Env(), "argument " + std::to_string(i) + " must hold " +
                                                (count >= 0 ? std::to_string(count) : "1 to " + std::to_string(kMaxLinearManyWeights)) +
                                                " entries, got " + std::to_string(length));
  return a;
}

void* ptrEntry(Napi::Env env, const Napi::Array& a, uint32_t j, size_t i) {
  const Napi::Value v = a[j];
  if (!v.IsBigInt()) throw Napi::TypeError::New(env, "argument " + std::to_string(i) + "[" + std::to_string(j) + "] must be a device pointer (bigint)");
  bool lossless = true;
  return reinterpret_cast<void*>(static_cast<uintptr_t>(v.As<Napi::BigInt>().Uint64Value(&lossless)));
}

int64_t intEntry(Napi::Env env, const Napi::Array& a, uint32_t j, size_t i) {
  const Napi::Value v = a[j];
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "argument " + std::to_string(i) + "[" + std::to_string(j) + "] must be a number");
  return v.As<Napi::Number>().Int64Value();
}

}  // namespace

void Context::define(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "Context", {
      InstanceMethod("alloc", &Context::alloc),
      InstanceMethod("free", &Context::free),
      InstanceMethod("zero", &Context::zero),
      InstanceMethod("upload", &Context::upload),
      InstanceMethod("copy", &Context::copy),
      InstanceMethod("download", &Context::download),
      InstanceMethod("synchronize", &Context::synchronize),
      InstanceMethod("memoryInfo", &Context::memoryInfo),
      InstanceMethod("dispose", &Context::dispose),
      InstanceMethod("gemmInfo", &Context::gemmInfo),
      InstanceMethod("embedding", &Context::embedding),
      InstanceMethod("rmsNorm", &Context::rmsNorm),
      InstanceMethod("addRmsNorm", &Context::addRmsNorm),
      InstanceMethod("linear", &Context::linear),
      InstanceMethod("linearSiluMul", &Context::linearSiluMul),
      InstanceMethod("linearMany", &Context::linearMany),
      InstanceMethod("blockLinear", &Context::blockLinear),
      InstanceMethod("blockEmbedding", &Context::blockEmbedding),
      InstanceMethod("rope", &Context::rope),
      InstanceMethod("kvWrite", &Context::kvWrite),
      InstanceMethod("attention", &Context::attention),
      InstanceMethod("attentionWeights", &Context::attentionWeights),
      InstanceMethod("siluMul", &Context::siluMul),
      InstanceMethod("add", &Context::add),
      InstanceMethod("softmax", &Context::softmax),
      InstanceMethod("argmax", &Context::argmax),
      InstanceMethod("topk", &Context::topk),
      InstanceMethod("cast", &Context::cast),
      InstanceMethod("beginCapture", &Context::beginCapture),
      InstanceMethod("endCapture", &Context::endCapture),
      InstanceMethod("replay", &Context::replay),
      InstanceMethod("destroyGraph", &Context::destroyGraph),
      InstanceMethod("increment", &Context::increment),
      InstanceMethod("recordTimer", &Context::recordTimer),
      InstanceMethod("timeSince", &Context::timeSince),
  });
  exports.Set("Context", ctor);
}

Context::Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
  Napi::Env env = info.Env();
  device_ = static_cast<int>(intArg(info, 0));
  check(env, cudaSetDevice(device_), "cudaSetDevice");
  check(env, cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  // The stream-ordered pool keeps freed memory reserved, so allocation in the decode loop is a pool hit.
  cudaMemPool_t pool;
  check(env, cudaDeviceGetDefaultMemPool(&pool, device_), "cudaDeviceGetDefaultMemPool");
  uint64_t threshold = UINT64_MAX;
  check(env, cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold), "cudaMemPoolSetAttribute");
  for (int i = 0; i < 2; ++i) {
    check(env, cudaMallocHost(&staging_[i], kStagingBytes), "cudaMallocHost");
    check(env, cudaEventCreateWithFlags(&stagingDone_[i], cudaEventDisableTiming), "cudaEventCreate");
  }
  lt_.open();  // optional: without it the WMMA kernel serves prefill
  live_ = true;
}

Context::~Context() { release(); }

void Context::release() {
  if (!live_) return;
  live_ = false;
  cudaSetDevice(device_);
  if (capturing_) {
    cudaGraph_t graph = nullptr;
    cudaStreamEndCapture(stream_, &graph);
    if (graph) cudaGraphDestroy(graph);
    capturing_ = false;
  }
  cudaStreamSynchronize(stream_);
  for (Graph* g : graphs_) {
    if (!g) continue;
    if (g->launched)
      for (void* p : g->allocations) cudaFreeAsync(p, stream_);
    cudaGraphExecDestroy(g->exec);
    delete g;
  }
  graphs_.clear();
  for (uintptr_t p : orphanLive_) cudaFreeAsync(reinterpret_cast<void*>(p), stream_);
  orphanLive_.clear();
  orphanUnrealised_.clear();
  for (cudaEvent_t e : timers_) cudaEventDestroy(e);
  timers_.clear();
  cudaStreamSynchronize(stream_);
  lt_.close();
  for (int i = 0; i < 2; ++i) {
    if (stagingDone_[i]) cudaEventDestroy(stagingDone_[i]);
    if (staging_[i]) cudaFreeHost(staging_[i]);
    staging_[i] = nullptr;
    stagingDone_[i] = nullptr;
  }
  cudaStreamDestroy(stream_);
  stream_ = nullptr;
  cudaMemPool_t pool;
  if (cudaDeviceGetDefaultMemPool(&pool, device_) == cudaSuccess) cudaMemPoolTrimTo(pool, 0);
}

void Context::check(Napi::Env env, cudaError_t err, const char* what) const {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  throw Napi::Error::New(env, std::string("CUDA ") + what + " failed: " + cudaGetErrorName(err) + ": " +
                                  cudaGetErrorString(err));
}

void Context::requireLive(Napi::Env env) const {
  if (!live_) throw Napi::Error::New(env, "the CUDA backend was disposed");
}

Napi::Value Context::alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  const int64_t bytes = intArg(info, 0);
  if (bytes < 0) throw Napi::RangeError::New(env, "alloc: byte length must be >= 0");
  void* p = nullptr;
  check(env, cudaMallocAsync(&p, static_cast<size_t>(std::max<int64_t>(bytes, 16)), stream_), "cudaMallocAsync");
  if (capturing_) captureAllocs_.insert(reinterpret_cast<uintptr_t>(p));
  return ptrValue(env, p);
}

Napi::Value Context::free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return env.Undefined();  // everything was released with the context
  void* p = ptrArg(info, 0);
  if (!p) return env.Undefined();
  const uintptr_t key = reinterpret_cast<uintptr_t>(p);
  if (capturing_) {
    if (captureAllocs_.erase(key)) check(env, cudaFreeAsync(p, stream_), "cudaFreeAsync");  // inside the graph
    else deferredFrees_.push_back(p);  // memory from before the capture: freed after it ends
    return env.Undefined();
  }
  check(env, releaseOutsideCapture(p), "cudaFreeAsync");
  return env.Undefined();
}

// Frees memory that is not the current capture's: a live graph's allocations stay (released with the graph), a
// destroyed graph's never-realised ones are forgotten, the rest go back to the pool.
cudaError_t Context::releaseOutsideCapture(void* p) {
  const uintptr_t key = reinterpret_cast<uintptr_t>(p);
  for (Graph* g : graphs_) {
    if (!g) continue;
    if (std::find(g->allocations.begin(), g->allocations.end(), p) != g->allocations.end()) {
      g->released.insert(key);  // its owner let go: freed when the graph is destroyed
      return cudaSuccess;
    }
  }
  if (orphanUnrealised_.erase(key)) return cudaSuccess;
  orphanLive_.erase(key);
  return cudaFreeAsync(p, stream_);
}

Napi::Value Context::zero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  check(env, cudaMemsetAsync(ptrArg(info, 0), 0, static_cast<size_t>(intArg(info, 1)), stream_), "cudaMemsetAsync");
  return env.Undefined();
}

// upload(dst, view[, dstByteOffset]): host -> device through two pinned staging buffers.
Napi::Value Context::upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  if (capturing_) throw Napi::Error::New(env, "upload during CUDA graph capture is not allowed");
  char* dst = static_cast<char*>(ptrArg(info, 0));
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "upload: data must be a typed array");
  Napi::TypedArray view = info[1].As<Napi::TypedArray>();
  const char* src = static_cast<const char*>(view.ArrayBuffer().Data()) + view.ByteOffset();
  const size_t bytes = view.ByteLength();
  if (info.Length() > 2) dst += intArg(info, 2);
  size_t done = 0;
  int which = 0;
  while (done < bytes) {
    const size_t n = std::min(kStagingBytes, bytes - done);
    if (stagingUsed_[which]) check(env, cudaEventSynchronize(stagingDone_[which]), "cudaEventSynchronize");
    std::memcpy(staging_[which], src + done, n);
    check(env, cudaMemcpyAsync(dst + done, staging_[which], n, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync");
    check(env, cudaEventRecord(stagingDone_[which], stream_), "cudaEventRecord");
    stagingUsed_[which] = true;
    done += n;
    which ^= 1;
  }
  return env.Undefined();
}

Napi::Value Context::copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  check(env, cudaMemcpyAsync(ptrArg(info, 0), ptrArg(info, 1), static_cast<size_t>(intArg(info, 2)),
                             cudaMemcpyDeviceToDevice, stream_), "cudaMemcpyAsync");
  return env.Undefined();
}

// download(src, bytes) -> Promise<ArrayBuffer>; the copy is enqueued now, in stream order.
Napi::Value Context::download(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  if (capturing_) throw Napi::Error::New(env, "read during CUDA graph capture is not allowed");
  const void* src = ptrArg(info, 0);
  const size_t bytes = static_cast<size_t>(intArg(info, 1));
  void* pinned = nullptr;
  check(env, takePinned(bytes, &pinned), "cudaMallocHost");
  cudaEvent_t done;
  check(env, cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate");
  if (bytes > 0) check(env, cudaMemcpyAsync(pinned, src, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync");
  check(env, cudaEventRecord(done, stream_), "cudaEventRecord");
  ReadWorker* worker = new ReadWorker(env, Value(), done, pinned, bytes);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value Context::synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  if (capturing_) throw Napi::Error::New(env, "synchronize during CUDA graph capture is not allowed");
  cudaEvent_t done;
  check(env, cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate");
  check(env, cudaEventRecord(done, stream_), "cudaEventRecord");
  ReadWorker* worker = new ReadWorker(env, Value(), done, nullptr, 0);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value Context::memoryInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  size_t freeBytes = 0, totalBytes = 0;
  check(env, cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
  cudaMemPool_t pool;
  check(env, cudaDeviceGetDefaultMemPool(&pool, device_), "cudaDeviceGetDefaultMemPool");
  uint64_t reserved = 0, used = 0;
  cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved);
  cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used);
  Napi::Object result = Napi::Object::New(env);
  result.Set("free", Napi::Number::New(env, static_cast<double>(freeBytes)));
  result.Set("total", Napi::Number::New(env, static_cast<double>(totalBytes)));
  result.Set("poolReserved", Napi::Number::New(env, static_cast<double>(reserved)));
  result.Set("poolUsed", Napi::Number::New(env, static_cast<double>(used)));
  return result;
}

Napi::Value Context::dispose(const Napi::CallbackInfo& info) {
  release();
  return info.Env().Undefined();
}

// ------------------------------------------------------------------------------------------- ops
#define CRIA_LAUNCH(what, call)           \
  do {                                    \
    requireLive(env);                     \
    check(env, (call), what);             \
  } while (0)

// embedding(weightDtype, weight, ids, out, count, vocab, hidden)
Napi::Value Context::embedding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("embedding", launchEmbedding(stream_, dtypeArg(info, 0), ptrArg(info, 1), static_cast<const int*>(ptrArg(info, 2)),
                                           static_cast<float*>(ptrArg(info, 3)), intArg(info, 4), intArg(info, 5), intArg(info, 6)));
  return env.Undefined();
}

// rmsNorm(x, weightDtype, weight, out, rows, hidden, eps)
Napi::Value Context::rmsNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("rmsNorm", launchRmsNorm(stream_, static_cast<const float*>(ptrArg(info, 0)), dtypeArg(info, 1), ptrArg(info, 2),
                                       static_cast<float*>(ptrArg(info, 3)), intArg(info, 4), intArg(info, 5), floatArg(info, 6)));
  return env.Undefined();
}

// addRmsNorm(a, b, weightDtype, weight, sum, normed, rows, hidden, eps)
Napi::Value Context::addRmsNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("addRmsNorm", launchAddRmsNorm(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<const float*>(ptrArg(info, 1)),
                                             dtypeArg(info, 2), ptrArg(info, 3), static_cast<float*>(ptrArg(info, 4)),
                                             static_cast<float*>(ptrArg(info, 5)), intArg(info, 6), intArg(info, 7), floatArg(info, 8)));
  return env.Undefined();
}

// linear(x, weightDtype, weight, biasDtype (-1: none), bias, out, rows, K, M)
// Prefill-sized GEMMs with half weights go to cuBLASLt when it was found, else to the WMMA kernel.
Napi::Value Context::linear(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  const float* x = static_cast<const float*>(ptrArg(info, 0));
  const int weightDtype = dtypeArg(info, 1);
  const void* weight = ptrArg(info, 2);
  const int biasDtype = static_cast<int>(intArg(info, 3));
  const void* bias = biasDtype < 0 ? nullptr : ptrArg(info, 4);
  float* out = static_cast<float*>(ptrArg(info, 5));
  const int64_t rows = intArg(info, 6), K = intArg(info, 7), M = intArg(info, 8);
  if (lt_.available() && rows >= kCublasLtMinRows && K % 8 == 0 && K > 0 && (weightDtype == kF16 || weightDtype == kBF16)) {
    const cudaError_t err = lt_.linear(stream_, x, weightDtype, weight, biasDtype, bias, out, rows, K, M);
    if (err != cudaErrorNotSupported) {
      check(env, err, "linear (cuBLASLt)");
      return env.Undefined();
    }
  }
  check(env, launchLinear(stream_, x, weightDtype, weight, biasDtype, bias, out, rows, K, M), "linear");
  return env.Undefined();
}

// blockLinear(x, format, weight, biasDtype (-1: none), bias, out, rows, K, M): weight in a llama.cpp block format
// (block_weights.h BlockFormat; src/binding.ts BLOCK_FORMAT_CODE).
Napi::Value Context::blockLinear(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t format = intArg(info, 1);
  if (format < 0 || format >= kBlockFormatCount) throw Napi::RangeError::New(env, "unknown block format code " + std::to_string(format));
  const int biasDtype = static_cast<int>(intArg(info, 3));
  const void* bias = biasDtype < 0 ? nullptr : ptrArg(info, 4);
  CRIA_LAUNCH("blockLinear", launchBlockLinear(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<int>(format), ptrArg(info, 2),
                                               biasDtype, bias, static_cast<float*>(ptrArg(info, 5)), intArg(info, 6), intArg(info, 7),
                                               intArg(info, 8)));
  return env.Undefined();
}

// blockEmbedding(format, weight, ids, out, count, vocab, hidden)
Napi::Value Context::blockEmbedding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t format = intArg(info, 0);
  if (format < 0 || format >= kBlockFormatCount) throw Napi::RangeError::New(env, "unknown block format code " + std::to_string(format));
  CRIA_LAUNCH("blockEmbedding", launchBlockEmbedding(stream_, static_cast<int>(format), ptrArg(info, 1), static_cast<const int*>(ptrArg(info, 2)),
                                                     static_cast<float*>(ptrArg(info, 3)), intArg(info, 4), intArg(info, 5), intArg(info, 6)));
  return env.Undefined();
}

// linearSiluMul(x, weightDtype, gate, up, biasDtype (-1: none), gateBias, upBias, out, rows, K, M)
// The gated matvec (decode rows); the TypeScript backend composes linear, linear, siluMul where it does not apply.
Napi::Value Context::linearSiluMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int biasDtype = static_cast<int>(intArg(info, 4));
  const void* gateBias = biasDtype < 0 ? nullptr : ptrArg(info, 5);
  const void* upBias = biasDtype < 0 ? nullptr : ptrArg(info, 6);
  CRIA_LAUNCH("linearSiluMul", launchLinearSiluMul(stream_, static_cast<const float*>(ptrArg(info, 0)), dtypeArg(info, 1), ptrArg(info, 2),
                                                   ptrArg(info, 3), biasDtype, gateBias, upBias, static_cast<float*>(ptrArg(info, 7)),
                                                   intArg(info, 8), intArg(info, 9), intArg(info, 10)));
  return env.Undefined();
}

// linearMany(x, weightDtype, weights[], biasDtype (-1: none), biases[] | null, outs[], Ms[], rows, K)
// The segmented matvec (decode rows, up to kMaxLinearManyWeights weights); the TypeScript backend runs linear per
// weight where it does not apply. The arrays are read into host arrays here; the launch copies them by value.
Napi::Value Context::linearMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Array weightArray = arrayArg(info, 2, -1);
  const uint32_t count = weightArray.Length();
  const int biasDtype = static_cast<int>(intArg(info, 3));
  const Napi::Array outArray = arrayArg(info, 5, count), mArray = arrayArg(info, 6, count);
  const void* weights[kMaxLinearManyWeights] = {};
  const void* biases[kMaxLinearManyWeights] = {};
  float* outs[kMaxLinearManyWeights] = {};
  int64_t Ms[kMaxLinearManyWeights] = {};
  for (uint32_t j = 0; j < count; ++j) {
    weights[j] = ptrEntry(env, weightArray, j, 2);
    outs[j] = static_cast<float*>(ptrEntry(env, outArray, j, 5));
    Ms[j] = intEntry(env, mArray, j, 6);
  }
  if (biasDtype >= 0) {
    const Napi::Array biasArray = arrayArg(info, 4, count);
    for (uint32_t j = 0; j < count; ++j) biases[j] = ptrEntry(env, biasArray, j, 4);
  }
  CRIA_LAUNCH("linearMany", launchLinearMany(stream_, static_cast<const float*>(ptrArg(info, 0)), dtypeArg(info, 1),
                                             static_cast<int>(count), weights, biasDtype, biasDtype >= 0 ? biases : nullptr,
                                             outs, Ms, intArg(info, 7), intArg(info, 8)));
  return env.Undefined();
}

// gemmInfo() -> which engine serves prefill GEMMs with half weights.
Napi::Value Context::gemmInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("cublasLt", Napi::Boolean::New(env, lt_.available()));
  result.Set("library", Napi::String::New(env, lt_.library()));
  result.Set("reason", Napi::String::New(env, lt_.why()));
  result.Set("minRows", Napi::Number::New(env, kCublasLtMinRows));
  return result;
}

// rope(x, positions, invFreq, out, tokens, numHeads, headDim, attentionScaling)
Napi::Value Context::rope(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("rope", launchRope(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<const int*>(ptrArg(info, 1)),
                                 static_cast<const float*>(ptrArg(info, 2)), static_cast<float*>(ptrArg(info, 3)),
                                 intArg(info, 4), static_cast<int>(intArg(info, 5)), static_cast<int>(intArg(info, 6)), floatArg(info, 7)));
  return env.Undefined();
}

// kvWrite(cacheDtype, cache, src, batch, seqLen, numKvHeads, headDim, maxLength, offset[, offsetPtr])
Napi::Value Context::kvWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int* offsetDev = info.Length() > 9 ? static_cast<const int*>(ptrArg(info, 9)) : nullptr;
  CRIA_LAUNCH("kvWrite", launchKvWrite(stream_, dtypeArg(info, 0), ptrArg(info, 1), static_cast<const float*>(ptrArg(info, 2)),
                                       intArg(info, 3), intArg(info, 4), static_cast<int>(intArg(info, 5)),
                                       static_cast<int>(intArg(info, 6)), intArg(info, 7), intArg(info, 8), offsetDev));
  return env.Undefined();
}

namespace {
// shape object: { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength, scale, maskDtype }
AttentionShape shapeArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Object o = info[i].As<Napi::Object>();
  auto num = [&](const char* key) { return o.Get(key).As<Napi::Number>(); };
  AttentionShape s;
  s.batch = num("batch").Int64Value();
  s.seqLen = num("seqLength").Int64Value();
  s.numHeads = num("numHeads").Int32Value();
  s.numKvHeads = num("numKvHeads").Int32Value();
  s.headDim = num("headDim").Int32Value();
  s.maxLength = num("maxLength").Int64Value();
  s.kvLength = num("kvLength").Int64Value();
  s.scale = num("scale").FloatValue();
  s.maskDtype = num("maskDtype").Int32Value();
  return s;
}
}  // namespace

// attention(q, cacheDtype, k, v, mask | null, out, shape[, kvLengthPtr])
Napi::Value Context::attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AttentionShape shape = shapeArg(info, 6);
  if (info.Length() > 7) shape.kvLengthDev = static_cast<const int*>(ptrArg(info, 7));
  CRIA_LAUNCH("attention", launchAttention(stream_, static_cast<const float*>(ptrArg(info, 0)), dtypeArg(info, 1), ptrArg(info, 2),
                                           ptrArg(info, 3), ptrArg(info, 4), static_cast<float*>(ptrArg(info, 5)), shape));
  return env.Undefined();
}

// attentionWeights(q, cacheDtype, k, mask | null, out, shape)
Napi::Value Context::attentionWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AttentionShape shape = shapeArg(info, 5);
  CRIA_LAUNCH("attentionWeights", launchAttentionWeights(stream_, static_cast<const float*>(ptrArg(info, 0)), dtypeArg(info, 1),
                                                         ptrArg(info, 2), ptrArg(info, 3), static_cast<float*>(ptrArg(info, 4)), shape));
  return env.Undefined();
}

// siluMul(gate, up, out, n)
Napi::Value Context::siluMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("siluMul", launchSiluMul(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<const float*>(ptrArg(info, 1)),
                                       static_cast<float*>(ptrArg(info, 2)), intArg(info, 3)));
  return env.Undefined();
}

// add(a, b, out, n)
Napi::Value Context::add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("add", launchAdd(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<const float*>(ptrArg(info, 1)),
                               static_cast<float*>(ptrArg(info, 2)), intArg(info, 3)));
  return env.Undefined();
}

// softmax(x, out, rows, n)
Napi::Value Context::softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("softmax", launchSoftmax(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<float*>(ptrArg(info, 1)),
                                       intArg(info, 2), intArg(info, 3)));
  return env.Undefined();
}

// argmax(x, out, rows, n)
Napi::Value Context::argmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("argmax", launchArgmax(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<int*>(ptrArg(info, 1)),
                                     intArg(info, 2), intArg(info, 3)));
  return env.Undefined();
}

// topk(x, values, indices, rows, n, k)
Napi::Value Context::topk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("topk", launchTopk(stream_, static_cast<const float*>(ptrArg(info, 0)), static_cast<float*>(ptrArg(info, 1)),
                                 static_cast<int*>(ptrArg(info, 2)), intArg(info, 3), intArg(info, 4), static_cast<int>(intArg(info, 5))));
  return env.Undefined();
}

// cast(fromDtype, x, toDtype, out, n)
Napi::Value Context::cast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("cast", launchCast(stream_, dtypeArg(info, 0), ptrArg(info, 1), dtypeArg(info, 2), ptrArg(info, 3), intArg(info, 4)));
  return env.Undefined();
}

// ------------------------------------------------------------------------------------ CUDA graphs
Napi::Value Context::beginCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  if (capturing_) throw Napi::Error::New(env, "beginCapture: a capture is already in progress");
  check(env, cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  capturing_ = true;
  captureAllocs_.clear();
  return env.Undefined();
}

// endCapture() -> graph id. Allocations made during the capture and not freed in it stay owned by the graph:
// the same addresses hold the results after every replay.
Napi::Value Context::endCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  if (!capturing_) throw Napi::Error::New(env, "endCapture: no capture in progress");
  cudaGraph_t graph = nullptr;
  capturing_ = false;
  const cudaError_t endErr = cudaStreamEndCapture(stream_, &graph);
  // Older memory freed during the capture, under the same rules as free() (a graph-owned one stays with its graph).
  for (void* p : deferredFrees_) releaseOutsideCapture(p);
  deferredFrees_.clear();
  check(env, endErr, "cudaStreamEndCapture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t instErr = cudaGraphInstantiate(&exec, graph, cudaGraphInstantiateFlagAutoFreeOnLaunch);
  cudaGraphDestroy(graph);
  check(env, instErr, "cudaGraphInstantiate");
  Graph* g = new Graph{exec, {}, false, {}};
  for (uintptr_t p : captureAllocs_) g->allocations.push_back(reinterpret_cast<void*>(p));
  captureAllocs_.clear();
  graphs_.push_back(g);
  return Napi::Number::New(env, static_cast<double>(graphs_.size() - 1));
}

Napi::Value Context::replay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  const int64_t id = intArg(info, 0);
  if (id < 0 || id >= static_cast<int64_t>(graphs_.size()) || !graphs_[id]) throw Napi::RangeError::New(env, "replay: unknown graph");
  check(env, cudaGraphLaunch(graphs_[id]->exec, stream_), "cudaGraphLaunch");
  graphs_[id]->launched = true;
  return env.Undefined();
}

Napi::Value Context::destroyGraph(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!live_) return env.Undefined();
  const int64_t id = intArg(info, 0);
  if (id < 0 || id >= static_cast<int64_t>(graphs_.size()) || !graphs_[id]) return env.Undefined();
  Graph* g = graphs_[id];
  graphs_[id] = nullptr;
  // Allocations whose tensors were already disposed are freed now (if a launch realised them); tensors that
  // still hold the others free them (or forget them) when disposed.
  std::vector<void*> freeNow;
  for (void* p : g->allocations) {
    const uintptr_t key = reinterpret_cast<uintptr_t>(p);
    if (g->released.count(key)) {
      if (g->launched) freeNow.push_back(p);
    } else {
      (g->launched ? orphanLive_ : orphanUnrealised_).insert(key);
    }
  }
  check(env, cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  check(env, cudaGraphExecDestroy(g->exec), "cudaGraphExecDestroy");
  delete g;
  for (void* p : freeNow) check(env, cudaFreeAsync(p, stream_), "cudaFreeAsync");
  return env.Undefined();
}

// increment(ptr, n): adds 1 to n int32 values on the device (a decode graph advances its own position).
Napi::Value Context::increment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CRIA_LAUNCH("increment", launchIncrement(stream_, static_cast<int*>(ptrArg(info, 0)), intArg(info, 1)));
  return env.Undefined();
}

// ------------------------------------------------------------------------------------------ timing
Napi::Value Context::recordTimer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  cudaEvent_t e;
  check(env, cudaEventCreate(&e), "cudaEventCreate");
  check(env, cudaEventRecord(e, stream_), "cudaEventRecord");
  timers_.push_back(e);
  return Napi::Number::New(env, static_cast<double>(timers_.size() - 1));
}

// timeSince(a, b) -> milliseconds between two recorded timers (after a synchronize).
Napi::Value Context::timeSince(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireLive(env);
  const int64_t a = intArg(info, 0), b = intArg(info, 1);
  if (a < 0 || b < 0 || a >= static_cast<int64_t>(timers_.size()) || b >= static_cast<int64_t>(timers_.size()))
    throw Napi::RangeError::New(env, "timeSince: unknown timer");
  float ms = 0.f;
  check(env, cudaEventElapsedTime(&ms, timers_[a], timers_[b]), "cudaEventElapsedTime");
  return Napi::Number::New(env, ms);
}

}  // namespace cria
