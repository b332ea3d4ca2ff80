// The CPU kernels' C interface, shared by the Node addon (addon.cc) and the WebAssembly build (wasm.cc).
// Every kernel takes one argument struct and a share of the work: `ith` of `nth` threads run it at once, each on
// its own rows, so the same code runs on the addon's native thread pool and on the wasm build's workers.
// Activations are float32; weights are float32, float16 or bfloat16 (`cria_wtype`) and widened in registers, or one
// of llama.cpp's block formats (the matrices of linear, linear_many, gated and embedding only; see quant.inc), whose
// rows are whole blocks laid end to end exactly as GGUF stores them, dequantized in registers.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CRIA_F32 = 0,
  CRIA_F16 = 1,
  CRIA_BF16 = 2,
  // llama.cpp's block formats (ggml-common.h): 32-element blocks, then 256-element K super-blocks.
  CRIA_Q4_0 = 3,
  CRIA_Q4_1 = 4,
  CRIA_Q5_0 = 5,
  CRIA_Q5_1 = 6,
  CRIA_Q8_0 = 7,
  CRIA_Q4_K = 8,
  CRIA_Q5_K = 9,
  CRIA_Q6_K = 10,
} cria_wtype;
#define CRIA_WTYPE_COUNT 11

/** Elements per block of a weight type (1 for the float types), or 0 for an unknown type. */
static inline int32_t cria_wtype_block_elements(int32_t wtype) {
  static const int32_t elements[CRIA_WTYPE_COUNT] = {1, 1, 1, 32, 32, 32, 32, 32, 256, 256, 256};
  return wtype >= 0 && wtype < CRIA_WTYPE_COUNT ? elements[wtype] : 0;
}
/** Bytes per block of a weight type (per element for the float types), or 0 for an unknown type. */
static inline int32_t cria_wtype_block_bytes(int32_t wtype) {
  static const int32_t bytes[CRIA_WTYPE_COUNT] = {4, 2, 2, 18, 20, 22, 24, 34, 144, 176, 210};
  return wtype >= 0 && wtype < CRIA_WTYPE_COUNT ? bytes[wtype] : 0;
}
/** Whether a weight type is a block format. */
static inline int cria_wtype_is_block(int32_t wtype) { return wtype >= CRIA_Q4_0 && wtype < CRIA_WTYPE_COUNT; }

/** out[r][m] = x[r]·w[m] + bias[m] for r < rows, m < M (x [rows, K], w [M, K], out [rows, M], bias [M] or null). */
typedef struct {
  const float* x;
  const void* w;
  const float* bias;
  float* out;
  int32_t rows, K, M;
  int32_t wtype;
} cria_linear_args;

/** Several linears of one x in one parallel pass (attention's q, k, v): `count` of them, each with its own out. */
typedef struct {
  const cria_linear_args* each;
  int32_t count;
} cria_linear_many_args;

/** out[r][m] = silu(x[r]·gate[m] + gate_bias[m]) * (x[r]·up[m] + up_bias[m]). */
typedef struct {
  const float* x;
  const void* gate;
  const void* up;
  const float* gate_bias;
  const float* up_bias;
  float* out;
  int32_t rows, K, M;
  int32_t wtype;
} cria_gated_args;

/** out = x / sqrt(mean(x²) + eps) * w per row; with `b`, first sum = a + b (written) and the norm of the sum. */
typedef struct {
  const float* a;
  const float* b;
  const void* w;
  float* sum;
  float* out;
  int32_t rows, H;
  int32_t wtype;
  float eps;
} cria_norm_args;

/** Rotate-half RoPE with per-token tables: cos/sin [tokens, headDim / 2] (attentionScaling already applied). */
typedef struct {
  const float* x;
  const float* cos;
  const float* sin;
  float* out;
  int32_t tokens, heads, headDim;
} cria_rope_args;

/**
 * Causal grouped-query attention over caches [B, kvHeads, maxLength, D]: query s of row b sits at slot
 * kvLength - S + s and sees slots 0 .. that one where mask[b][slot] != 0 (mask [B, maskStride] or null).
 * out [B, S, heads * D]; with `probs` [B, heads, S, kvLength], writes the probabilities instead of out.
 */
typedef struct {
  const float* q;
  const float* k;
  const float* v;
  const float* mask;
  float* out;
  float* probs;
  int32_t B, S, heads, kvHeads, D, maxLength, kvLength, maskStride;
  float scale;
} cria_attention_args;

/** Elementwise over n floats: op 0 add (a + b), 1 siluMul (silu(a) * b). */
typedef struct {
  const float* a;
  const float* b;
  float* out;
  int64_t n;
  int32_t op;
} cria_elementwise_args;

/** Softmax of each row (rows × n). */
typedef struct {
  const float* x;
  float* out;
  int32_t rows, n;
} cria_softmax_args;

/** Rows of w [V, H] (wtype) picked by ids -> float32 [count, H]; ids outside [0, V) were refused before. */
typedef struct {
  const void* w;
  const int32_t* ids;
  float* out;
  int32_t count, H;
  int32_t wtype;
} cria_embedding_args;

/** Writes src [B, S, kvHeads * D] into cache [B, kvHeads, maxLength, D] at slots offset .. offset + S - 1. */
typedef struct {
  float* cache;
  const float* src;
  int32_t B, S, kvHeads, D, maxLength, offset;
} cria_kv_write_args;

typedef void (*cria_kernel)(const void* args, int ith, int nth);

/** One instruction set's kernels. */
typedef struct {
  const char* isa;
  void (*linear)(const cria_linear_args*, int ith, int nth);
  void (*linear_many)(const cria_linear_many_args*, int ith, int nth);
  void (*gated)(const cria_gated_args*, int ith, int nth);
  void (*norm)(const cria_norm_args*, int ith, int nth);
  void (*rope)(const cria_rope_args*, int ith, int nth);
  void (*attention)(const cria_attention_args*, int ith, int nth);
  void (*elementwise)(const cria_elementwise_args*, int ith, int nth);
  void (*softmax)(const cria_softmax_args*, int ith, int nth);
  void (*embedding)(const cria_embedding_args*, int ith, int nth);
  void (*kv_write)(const cria_kv_write_args*, int ith, int nth);
} cria_kernel_table;

#ifdef __cplusplus
}
#endif
