// What the fast CPU backend runs its kernels through: the Node addon (native threads) or the WebAssembly build
// (wasm workers over one shared memory). Both expose the kernels of native/kernels.h with the same arguments;
// shapes and dtypes were checked before a call (the op contract of @cria/core), a runner only runs it.

/**
 * Weight types as the kernels number them (native/kernels.h cria_wtype): the float types, then llama.cpp's block
 * formats (the matrices of linear, linearMany, gated and embedding only; norm weights stay float).
 */
export const WTYPE = {
  float32: 0, float16: 1, bfloat16: 2,
  q4_0: 3, q4_1: 4, q5_0: 5, q5_1: 6, q8_0: 7, q4_k: 8, q5_k: 9, q6_k: 10,
} as const;
export type WType = (typeof WTYPE)[keyof typeof WTYPE];

/** A weight's data: float32, the raw 16-bit patterns of float16 / bfloat16, or the bytes of a block format's blocks. */
export type WeightArray = Float32Array | Uint16Array | Uint8Array;

export interface KernelRunner {
  /** 'addon' or 'wasm'. */
  readonly kind: 'addon' | 'wasm';
  /** The most bytes `alloc` can hand out in all (the wasm build's memory less what it keeps); undefined: no such limit. */
  readonly memoryLimit?: number;
  /** The instruction set the kernels were built for ('avx512', 'avx2', 'neon', 'scalar', 'wasm-simd128'). */
  readonly isa: string;
  /** Threads a kernel runs on (the caller's included). */
  readonly threads: number;

  /**
   * An array the kernels can read and write (for the wasm build: inside its memory). Its contents are unspecified (an
   * array given back by `free` may be reused): fill it before reading it.
   */
  alloc(kind: 'float32', length: number): Float32Array;
  alloc(kind: 'uint16', length: number): Uint16Array;
  alloc(kind: 'int32', length: number): Int32Array;
  alloc(kind: 'uint8', length: number): Uint8Array;
  /** Gives back an array from `alloc` (a no-op where memory is garbage-collected). */
  free(array: Float32Array | Uint16Array | Int32Array | Uint8Array): void;

  /** out[r][m] = x[r]·weight[m] + bias[m]: x [rows, K], weight [M, K], out [rows, M]. */
  linear(x: Float32Array, rows: number, K: number, wtype: WType, weight: WeightArray, bias: Float32Array | null, out: Float32Array, M: number): void;
  /** Several linears of one x in one parallel pass: each [weight, bias | null, out, M]. */
  linearMany(x: Float32Array, rows: number, K: number, wtype: WType, each: readonly (readonly [WeightArray, Float32Array | null, Float32Array, number])[]): void;
  /** out = silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias). */
  gated(x: Float32Array, rows: number, K: number, wtype: WType, gate: WeightArray, up: WeightArray, gateBias: Float32Array | null, upBias: Float32Array | null, out: Float32Array, M: number): void;
  /** RMSNorm of each row of a (or, with b, of sum = a + b, written to sum). */
  norm(a: Float32Array, b: Float32Array | null, weight: WeightArray, wtype: WType, sum: Float32Array | null, out: Float32Array, rows: number, H: number, eps: number): void;
  /** Rotate-half RoPE with per-token cos/sin tables [tokens, headDim / 2]. */
  rope(x: Float32Array, cos: Float32Array, sin: Float32Array, out: Float32Array, tokens: number, heads: number, headDim: number): void;
  /** Causal grouped-query attention over caches (out), or its probabilities (probs). */
  attention(
    q: Float32Array, k: Float32Array, v: Float32Array | null, mask: Float32Array | null, out: Float32Array | null, probs: Float32Array | null,
    B: number, S: number, heads: number, kvHeads: number, D: number, maxLength: number, kvLength: number, maskStride: number, scale: number,
  ): void;
  /** op 0: out = a + b; op 1: out = silu(a) * b. */
  elementwise(a: Float32Array, b: Float32Array, out: Float32Array, n: number, op: 0 | 1): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, n: number): void;
  /** Rows of weight [V, H] picked by ids (each in [0, V)). */
  embedding(weight: WeightArray, wtype: WType, V: number, ids: Int32Array, out: Float32Array, count: number, H: number): void;
  /** src [B, S, kvHeads * D] into cache [B, kvHeads, maxLength, D] at slots offset .. offset + S - 1. */
  kvWrite(cache: Float32Array, src: Float32Array, B: number, S: number, kvHeads: number, D: number, maxLength: number, offset: number): void;

  /**
   * Optional (the addon): the bytes [offset, offset + length) of a local file, mapped copy-on-write; `unmapFile`
   * releases them (their views read as empty afterwards).
   */
  mapFile?(path: string, offset: number, length: number): ArrayBuffer;
  unmapFile?(buffer: ArrayBuffer): void;

  /** Stops the threads. */
  dispose(): void;
}
