// The N-API surface of the CUDA backend (described in src/binding.ts). Device pointers cross into
// JavaScript as BigInt; sizes and shape numbers as Numbers (exact below 2^53).
#include <napi.h>
#include <cuda_runtime.h>
#include <cstring>
#include <string>
#include <vector>
#include "context.h"

namespace {

Napi::Object deviceCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  Napi::Object result = Napi::Object::New(env);
  result.Set("count", Napi::Number::New(env, err == cudaSuccess ? count : 0));
  if (err != cudaSuccess) {
    result.Set("error", Napi::String::New(env, std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err)));
    cudaGetLastError();  // clear
  }
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  result.Set("driverVersion", Napi::Number::New(env, driver));
  result.Set("runtimeVersion", Napi::Number::New(env, runtime));
  return result;
}

Napi::Object deviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int device = info[0].As<Napi::Number>().Int32Value();
  cudaDeviceProp prop;
  const cudaError_t err = cudaGetDeviceProperties(&prop, device);
  if (err != cudaSuccess) {
    throw Napi::Error::New(env, std::string("cudaGetDeviceProperties(") + std::to_string(device) +
                                    "): " + cudaGetErrorString(err));
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", Napi::String::New(env, prop.name));
  result.Set("computeCapability", Napi::String::New(env, std::to_string(prop.major) + "." + std::to_string(prop.minor)));
  result.Set("totalMemory", Napi::Number::New(env, static_cast<double>(prop.totalGlobalMem)));
  result.Set("multiProcessorCount", Napi::Number::New(env, prop.multiProcessorCount));
  return result;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("deviceCount", Napi::Function::New(env, deviceCount));
  exports.Set("deviceInfo", Napi::Function::New(env, deviceInfo));
  cria::Context::define(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(cria_cuda, init)
