// The Node addon of the CPU backend: a Context holds a thread pool and the kernel table of the best instruction set
// (or the one asked for); each method checks that the typed arrays cover what the kernel will touch, fills the
// kernel's argument struct and runs it on the pool. Shapes and dtypes were checked by the TypeScript side (the op
// contract of @cria/core); the checks here only keep a wrong call from reading or writing outside its arrays.
#include <napi.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <thread>
#include <vector>
#include "dispatch.h"
#include "kernels.h"
#include "pool.h"

namespace {

/**
 * Bytes of a [rows, cols] matrix of weight type `wtype` (a block format's rows are cols / block elements blocks);
 * refused for an unknown type, for a block format where `block` is false (norm weights stay float), and for cols that
 * are not whole blocks.
 */
size_t weight_bytes(Napi::Env env, int32_t wtype, int64_t rows, int64_t cols, const char* name, bool block = true) {
  const int32_t elements = cria_wtype_block_elements(wtype);
  if (elements == 0 || (!block && cria_wtype_is_block(wtype))) {
    throw Napi::RangeError::New(env, std::string(name) + ": wtype " + std::to_string(wtype) + " is not a weight type this kernel reads");
  }
  if (cols % elements != 0) {
    throw Napi::RangeError::New(env, std::string(name) + ": " + std::to_string(cols) + " columns are not whole blocks of " + std::to_string(elements));
  }
  return (size_t)rows * (size_t)(cols / elements) * (size_t)cria_wtype_block_bytes(wtype);
}

/** The data of a typed array (null for null/undefined), refused when shorter than `bytes`. */
template <typename T>
T* data_of(const Napi::Value& value, size_t bytes, const char* name, bool optional = false) {
  if (optional && (value.IsNull() || value.IsUndefined())) return nullptr;
  if (!value.IsTypedArray()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a typed array");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  if (array.ByteLength() < bytes) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " holds " + std::to_string(array.ByteLength()) + " bytes, the kernel needs " + std::to_string(bytes));
  }
  return reinterpret_cast<T*>(static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset());
}

int32_t int_of(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const int64_t v = info[i].As<Napi::Number>().Int64Value();
  if (v < 0 || v > INT32_MAX) throw Napi::RangeError::New(info.Env(), std::string(name) + " is out of range");
  return (int32_t)v;
}

float float_of(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().FloatValue(); }

/**
 * Threads worth waking for `work` multiply-adds: below about 10 µs of work on one core the hand-over costs more than it
 * saves, so small ops run on the calling thread alone.
 */
int threads_for(double work, int threads) { return work < 131072 ? 1 : threads; }

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Context", {
      InstanceAccessor<&Context::Isa>("isa"),
      InstanceAccessor<&Context::Threads>("threads"),
      InstanceMethod<&Context::Linear>("linear"),
      InstanceMethod<&Context::LinearMany>("linearMany"),
      InstanceMethod<&Context::Gated>("gated"),
      InstanceMethod<&Context::Norm>("norm"),
      InstanceMethod<&Context::Rope>("rope"),
      InstanceMethod<&Context::Attention>("attention"),
      InstanceMethod<&Context::Elementwise>("elementwise"),
      InstanceMethod<&Context::Softmax>("softmax"),
      InstanceMethod<&Context::Embedding>("embedding"),
      InstanceMethod<&Context::KvWrite>("kvWrite"),
      InstanceMethod<&Context::Dispose>("dispose"),
    });
  }

  /** new Context(threads, isa): isa "auto" for the best this processor runs. */
  explicit Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {
    const int32_t threads = int_of(info, 0, "threads");
    if (threads < 1 || threads > 1024) throw Napi::RangeError::New(info.Env(), "threads must be in [1, 1024]");
    const std::string isa = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
    kernels_ = cria_kernels_for(isa.c_str());
    if (!kernels_) throw Napi::Error::New(info.Env(), "this processor does not run the '" + isa + "' kernels");
    pool_ = std::make_unique<ThreadPool>(threads);
  }

 private:
  Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels_->isa); }
  Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pool_ ? pool_->size() : 0); }

  template <typename Args>
  void run(void (*kernel)(const Args*, int, int), const Args& args, int nth) {
    if (!pool_) throw Napi::Error::New(Env(), "the CPU context was disposed");
    pool_->run(reinterpret_cast<ThreadPool::Task>(kernel), &args, nth);
  }

  /** Stops and joins the worker threads. */
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    pool_.reset();
    return info.Env().Undefined();
  }

  cria_linear_args linear_args(const Napi::CallbackInfo& info, size_t at, const float* x, int32_t rows, int32_t K, int32_t wtype) {
    // (w, bias, out, M) starting at `at`
    const int32_t M = int_of(info, at + 3, "M");
    cria_linear_args a;
    a.x = x;
    a.w = data_of<const void>(info[at], weight_bytes(info.Env(), wtype, M, K, "weight"), "weight");
    a.bias = data_of<const float>(info[at + 1], (size_t)M * 4, "bias", true);
    a.out = data_of<float>(info[at + 2], (size_t)rows * M * 4, "out");
    a.rows = rows;
    a.K = K;
    a.M = M;
    a.wtype = wtype;
    return a;
  }

  /** linear(x, rows, K, wtype, weight, bias | null, out, M) */
  Napi::Value Linear(const Napi::CallbackInfo& info) {
    const int32_t rows = int_of(info, 1, "rows"), K = int_of(info, 2, "K"), wtype = int_of(info, 3, "wtype");
    const float* x = data_of<const float>(info[0], (size_t)rows * K * 4, "x");
    const cria_linear_args a = linear_args(info, 4, x, rows, K, wtype);
    run(kernels_->linear, a, threads_for((double)rows * K * a.M, threads()));
    return info.Env().Undefined();
  }

  /** linearMany(x, rows, K, wtype, [weight, bias | null, out, M]...) */
  Napi::Value LinearMany(const Napi::CallbackInfo& info) {
    const int32_t rows = int_of(info, 1, "rows"), K = int_of(info, 2, "K"), wtype = int_of(info, 3, "wtype");
    const float* x = data_of<const float>(info[0], (size_t)rows * K * 4, "x");
    std::vector<cria_linear_args> each;
    double work = 0;
    for (size_t at = 4; at + 3 < info.Length(); at += 4) {
      each.push_back(linear_args(info, at, x, rows, K, wtype));
      work += (double)rows * K * each.back().M;
    }
    const cria_linear_many_args a = {each.data(), (int32_t)each.size()};
    run(kernels_->linear_many, a, threads_for(work, threads()));
    return info.Env().Undefined();
  }

  /** gated(x, rows, K, wtype, gate, up, gateBias | null, upBias | null, out, M) */
  Napi::Value Gated(const Napi::CallbackInfo& info) {
    const int32_t rows = int_of(info, 1, "rows"), K = int_of(info, 2, "K"), wtype = int_of(info, 3, "wtype"), M = int_of(info, 9, "M");
    cria_gated_args a;
    a.x = data_of<const float>(info[0], (size_t)rows * K * 4, "x");
    a.gate = data_of<const void>(info[4], weight_bytes(info.Env(), wtype, M, K, "gate"), "gate");
    a.up = data_of<const void>(info[5], weight_bytes(info.Env(), wtype, M, K, "up"), "up");
    a.gate_bias = data_of<const float>(info[6], (size_t)M * 4, "gateBias", true);
    a.up_bias = data_of<const float>(info[7], (size_t)M * 4, "upBias", true);
    a.out = data_of<float>(info[8], (size_t)rows * M * 4, "out");
    a.rows = rows;
    a.K = K;
    a.M = M;
    a.wtype = wtype;
    run(kernels_->gated, a, threads_for(2.0 * rows * K * M, threads()));
    return info.Env().Undefined();
  }

  /** norm(a, b | null, weight, wtype, sum | null, out, rows, H, eps) */
  Napi::Value Norm(const Napi::CallbackInfo& info) {
    const int32_t wtype = int_of(info, 3, "wtype"), rows = int_of(info, 6, "rows"), H = int_of(info, 7, "H");
    const size_t bytes = (size_t)rows * H * 4;
    cria_norm_args a;
    a.a = data_of<const float>(info[0], bytes, "a");
    a.b = data_of<const float>(info[1], bytes, "b", true);
    a.w = data_of<const void>(info[2], weight_bytes(info.Env(), wtype, 1, H, "weight", false), "weight");
    a.sum = data_of<float>(info[4], bytes, "sum", a.b == nullptr);
    a.out = data_of<float>(info[5], bytes, "out");
    a.rows = rows;
    a.H = H;
    a.wtype = wtype;
    a.eps = float_of(info, 8);
    run(kernels_->norm, a, threads_for(8.0 * rows * H, threads()));
    return info.Env().Undefined();
  }

  /** rope(x, cos, sin, out, tokens, heads, headDim) */
  Napi::Value Rope(const Napi::CallbackInfo& info) {
    const int32_t tokens = int_of(info, 4, "tokens"), heads = int_of(info, 5, "heads"), headDim = int_of(info, 6, "headDim");
    const size_t bytes = (size_t)tokens * heads * headDim * 4, table = (size_t)tokens * (headDim / 2) * 4;
    cria_rope_args a;
    a.x = data_of<const float>(info[0], bytes, "x");
    a.cos = data_of<const float>(info[1], table, "cos");
    a.sin = data_of<const float>(info[2], table, "sin");
    a.out = data_of<float>(info[3], bytes, "out");
    a.tokens = tokens;
    a.heads = heads;
    a.headDim = headDim;
    run(kernels_->rope, a, threads_for(4.0 * tokens * heads * headDim, threads()));
    return info.Env().Undefined();
  }

  /** attention(q, k, v | null, mask | null, out | null, probs | null, B, S, heads, kvHeads, D, maxLength, kvLength, maskStride, scale) */
  Napi::Value Attention(const Napi::CallbackInfo& info) {
    cria_attention_args a;
    a.B = int_of(info, 6, "B");
    a.S = int_of(info, 7, "S");
    a.heads = int_of(info, 8, "heads");
    a.kvHeads = int_of(info, 9, "kvHeads");
    a.D = int_of(info, 10, "D");
    a.maxLength = int_of(info, 11, "maxLength");
    a.kvLength = int_of(info, 12, "kvLength");
    a.maskStride = int_of(info, 13, "maskStride");
    a.scale = float_of(info, 14);
    if (a.kvHeads == 0 || a.heads % a.kvHeads != 0 || a.kvLength > a.maxLength || a.S > a.kvLength) {
      throw Napi::RangeError::New(info.Env(), "attention: inconsistent sizes");
    }
    const size_t qBytes = (size_t)a.B * a.S * a.heads * a.D * 4, cacheBytes = (size_t)a.B * a.kvHeads * a.maxLength * a.D * 4;
    a.q = data_of<const float>(info[0], qBytes, "q");
    a.k = data_of<const float>(info[1], cacheBytes, "kCache");
    a.mask = data_of<const float>(info[3], (size_t)a.B * a.maskStride * 4, "mask", true);
    a.probs = data_of<float>(info[5], (size_t)a.B * a.heads * a.S * a.kvLength * 4, "probs", true);
    a.v = data_of<const float>(info[2], cacheBytes, "vCache", a.probs != nullptr);
    a.out = data_of<float>(info[4], qBytes, "out", a.probs != nullptr);
    if (!a.probs && (!a.v || !a.out)) throw Napi::TypeError::New(info.Env(), "attention: needs vCache and out, or probs");
    if (a.mask && a.maskStride < a.kvLength) throw Napi::RangeError::New(info.Env(), "attention: the mask is shorter than kvLength");
    run(kernels_->attention, a, threads_for(2.0 * a.B * a.heads * a.S * a.kvLength * a.D, threads()));
    return info.Env().Undefined();
  }

  /** elementwise(a, b, out, n, op) with op 0 add, 1 siluMul */
  Napi::Value Elementwise(const Napi::CallbackInfo& info) {
    cria_elementwise_args a;
    a.n = info[3].As<Napi::Number>().Int64Value();
    if (a.n < 0) throw Napi::RangeError::New(info.Env(), "n must not be negative");
    a.a = data_of<const float>(info[0], (size_t)a.n * 4, "a");
    a.b = data_of<const float>(info[1], (size_t)a.n * 4, "b");
    a.out = data_of<float>(info[2], (size_t)a.n * 4, "out");
    a.op = int_of(info, 4, "op");
    run(kernels_->elementwise, a, threads_for(a.op == 0 ? (double)a.n : 16.0 * a.n, threads()));
    return info.Env().Undefined();
  }

  /** softmax(x, out, rows, n) */
  Napi::Value Softmax(const Napi::CallbackInfo& info) {
    cria_softmax_args a;
    a.rows = int_of(info, 2, "rows");
    a.n = int_of(info, 3, "n");
    a.x = data_of<const float>(info[0], (size_t)a.rows * a.n * 4, "x");
    a.out = data_of<float>(info[1], (size_t)a.rows * a.n * 4, "out");
    run(kernels_->softmax, a, threads_for(16.0 * a.rows * a.n, threads()));
    return info.Env().Undefined();
  }

  /** embedding(weight, wtype, V, ids, out, count, H): ids must be in [0, V) */
  Napi::Value Embedding(const Napi::CallbackInfo& info) {
    cria_embedding_args a;
    a.wtype = int_of(info, 1, "wtype");
    const int32_t V = int_of(info, 2, "V");
    a.count = int_of(info, 5, "count");
    a.H = int_of(info, 6, "H");
    a.w = data_of<const void>(info[0], weight_bytes(info.Env(), a.wtype, V, a.H, "weight"), "weight");
    a.ids = data_of<const int32_t>(info[3], (size_t)a.count * 4, "ids");
    a.out = data_of<float>(info[4], (size_t)a.count * a.H * 4, "out");
    for (int32_t i = 0; i < a.count; i++) {
      if (a.ids[i] < 0 || a.ids[i] >= V) throw Napi::RangeError::New(info.Env(), "embedding: id " + std::to_string(a.ids[i]) + " is outside [0, " + std::to_string(V) + ")");
    }
    run(kernels_->embedding, a, threads_for((double)a.count * a.H, threads()));
    return info.Env().Undefined();
  }

  /** kvWrite(cache, src, B, S, kvHeads, D, maxLength, offset) */
  Napi::Value KvWrite(const Napi::CallbackInfo& info) {
    cria_kv_write_args a;
    a.B = int_of(info, 2, "B");
    a.S = int_of(info, 3, "S");
    a.kvHeads = int_of(info, 4, "kvHeads");
    a.D = int_of(info, 5, "D");
    a.maxLength = int_of(info, 6, "maxLength");
    a.offset = int_of(info, 7, "offset");
    if ((int64_t)a.offset + a.S > a.maxLength) throw Napi::RangeError::New(info.Env(), "kvWrite: offset + S is past the cache");
    a.cache = data_of<float>(info[0], (size_t)a.B * a.kvHeads * a.maxLength * a.D * 4, "cache");
    a.src = data_of<const float>(info[1], (size_t)a.B * a.S * a.kvHeads * a.D * 4, "src");
    run(kernels_->kv_write, a, threads_for((double)a.B * a.S * a.kvHeads * a.D, threads()));
    return info.Env().Undefined();
  }

  int threads() const { return pool_ ? pool_->size() : 1; }

  const cria_kernel_table* kernels_ = nullptr;
  std::unique_ptr<ThreadPool> pool_;
};

/** The instruction sets this processor runs, best first. */
Napi::Value Isas(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = cria_available_isas();
  Napi::Array out = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set(i, Napi::String::New(info.Env(), names[i]));
  return out;
}

/** The processors this machine has online. */
Napi::Value HardwareThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), std::thread::hardware_concurrency()); }

struct Mapping {
  void* address;
  size_t length;
};

/** The live mappings by the address of their first mapped byte, so unmapFile can release one before GC does. */
std::unordered_map<void*, Mapping*> live_mappings;

/**
 * mapFile(path, offset, length) -> ArrayBuffer over the file's bytes [offset, offset + length), mapped copy-on-write
 * (reads come from the page cache and are shared between processes; a write changes only this process's copy).
 * The mapping is released when the ArrayBuffer is collected.
 */
Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "mapFile: path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int64_t offset = info[1].As<Napi::Number>().Int64Value(), length = info[2].As<Napi::Number>().Int64Value();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Napi::Error::New(env, "mapFile: cannot open " + path + ": " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || offset < 0 || length < 0 || offset + length > st.st_size) {
    close(fd);
    throw Napi::RangeError::New(env, "mapFile: [" + std::to_string(offset) + ", " + std::to_string(offset + length) + ") is not inside " + path);
  }
  const int64_t page = sysconf(_SC_PAGESIZE), start = offset - offset % page, span = length + (offset - start);
  void* address = span > 0 ? mmap(nullptr, (size_t)span, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, start) : nullptr;
  close(fd);
  if (address == MAP_FAILED) throw Napi::Error::New(env, "mapFile: mmap of " + path + " failed: " + strerror(errno));
  if (span == 0) return Napi::ArrayBuffer::New(env, 0);
  auto* mapping = new Mapping{address, (size_t)span};
  void* data = static_cast<uint8_t*>(address) + (offset - start);
  live_mappings[data] = mapping;
  return Napi::ArrayBuffer::New(env, data, (size_t)length, [](Napi::Env, void* data, Mapping* m) {
    if (m->address) {
      munmap(m->address, m->length);
      live_mappings.erase(data);
    }
    delete m;
  }, mapping);
}

/** unmapFile(buffer): releases a mapFile buffer now (detaching it: its views read as empty) rather than at GC. */
Napi::Value UnmapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "unmapFile: expected the ArrayBuffer mapFile returned");
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  if (buffer.ByteLength() == 0) return env.Undefined();
  auto found = live_mappings.find(buffer.Data());
  if (found == live_mappings.end()) throw Napi::Error::New(env, "unmapFile: this ArrayBuffer is not a live mapping");
  Mapping* m = found->second;
  live_mappings.erase(found);
  buffer.Detach();
  munmap(m->address, m->length);
  m->address = nullptr;
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Context", Context::Define(env));
  exports.Set("isas", Napi::Function::New(env, Isas));
  exports.Set("hardwareThreads", Napi::Function::New(env, HardwareThreads));
  exports.Set("mapFile", Napi::Function::New(env, MapFile));
  exports.Set("unmapFile", Napi::Function::New(env, UnmapFile));
  return exports;
}

}  // namespace

NODE_API_MODULE(cria_cpu, Init)
