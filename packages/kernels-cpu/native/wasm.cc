// The WebAssembly build of the CPU kernels (wasm32 + SIMD128, built by scripts/build-wasm.mjs): the same kernels
// as the addon, one export per kernel taking (argument struct, ith, nth). The argument structs live in the module's
// memory (32-bit pointers); src/native/wasm-runner.ts writes them at the offsets pinned below and runs share ith
// of nth on each of its workers, every worker an instance of this module over one shared memory with its own stack.
#define CRIA_TABLE_NAME cria_kernels_wasm
#include "kernels.inc"

#include <stddef.h>

// The layout wasm-runner.ts writes (wasm32: pointers and int32 are 4 bytes, int64 is 8 and 8-aligned).
static_assert(sizeof(void*) == 4, "wasm32 only");
static_assert(sizeof(cria_linear_args) == 32 && offsetof(cria_linear_args, rows) == 16, "cria_linear_args layout");
static_assert(sizeof(cria_linear_many_args) == 8, "cria_linear_many_args layout");
static_assert(sizeof(cria_gated_args) == 40 && offsetof(cria_gated_args, rows) == 24, "cria_gated_args layout");
static_assert(sizeof(cria_norm_args) == 36 && offsetof(cria_norm_args, eps) == 32, "cria_norm_args layout");
static_assert(sizeof(cria_rope_args) == 28 && offsetof(cria_rope_args, tokens) == 16, "cria_rope_args layout");
static_assert(sizeof(cria_attention_args) == 60 && offsetof(cria_attention_args, scale) == 56, "cria_attention_args layout");
static_assert(sizeof(cria_elementwise_args) == 32 && offsetof(cria_elementwise_args, n) == 16 && offsetof(cria_elementwise_args, op) == 24,
              "cria_elementwise_args layout");
static_assert(sizeof(cria_softmax_args) == 16, "cria_softmax_args layout");
static_assert(sizeof(cria_embedding_args) == 24 && offsetof(cria_embedding_args, count) == 12, "cria_embedding_args layout");
static_assert(sizeof(cria_kv_write_args) == 32 && offsetof(cria_kv_write_args, B) == 8, "cria_kv_write_args layout");

#define CRIA_EXPORT(name, field, type)                                                          \
  extern "C" __attribute__((export_name(#name))) void name(const type* args, int ith, int nth) { \
    cria_kernels_wasm.field(args, ith, nth);                                                     \
  }

CRIA_EXPORT(cria_linear, linear, cria_linear_args)
CRIA_EXPORT(cria_linear_many, linear_many, cria_linear_many_args)
CRIA_EXPORT(cria_gated, gated, cria_gated_args)
CRIA_EXPORT(cria_norm, norm, cria_norm_args)
CRIA_EXPORT(cria_rope, rope, cria_rope_args)
CRIA_EXPORT(cria_attention, attention, cria_attention_args)
CRIA_EXPORT(cria_elementwise, elementwise, cria_elementwise_args)
CRIA_EXPORT(cria_softmax, softmax, cria_softmax_args)
CRIA_EXPORT(cria_embedding, embedding, cria_embedding_args)
CRIA_EXPORT(cria_kv_write, kv_write, cria_kv_write_args)
