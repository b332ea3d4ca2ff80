import type { DType, TypedArray } from './dtype.js';
import type { OpInput } from './ops/spec.js';
import type { Tensor, TensorOwner } from './tensor.js';

/** The names `device` accepts. */
export type DeviceName = 'auto' | BackendName;
/**
 * 'cpu' is the fast CPU backend (native kernels: the Node addon or WebAssembly); 'reference' the TypeScript
 * reference the others are judged against (slow; for tests and the op suite).
 */
export type BackendName = 'cpu' | 'webgpu' | 'cuda' | 'reference';

/** The closed set of ops every backend implements (or declares unsupported). */
export type OpName =
  | 'embedding'
  | 'rmsNorm'
  | 'addRmsNorm'
  | 'linear'
  | 'linearSiluMul'
  | 'linearMany'
  | 'rope'
  | 'kvWrite'
  | 'attention'
  | 'attentionWeights'
  | 'siluMul'
  | 'add'
  | 'softmax'
  | 'argmax'
  | 'topk'
  | 'cast';

export const OP_NAMES: readonly OpName[] = [
  'embedding', 'rmsNorm', 'addRmsNorm', 'linear', 'linearSiluMul', 'linearMany', 'rope', 'kvWrite', 'attention', 'attentionWeights',
  'siluMul', 'add', 'softmax', 'argmax', 'topk', 'cast',
];

/** Options of `rope`. */
export interface RopeOptions {
  /** Heads packed in the last dimension of x (x is [..., numHeads * headDim]). */
  numHeads: number;
  headDim: number;
  /** Multiplies cos and sin (transformers' `attention_scaling`; 1 except yarn / longrope). */
  attentionScaling: number;
}

/** Options of `attention` and `attentionWeights`. */
export interface AttentionOptions {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Valid entries in the cache, including the S new ones: queries sit at cache slots kvLength-S .. kvLength-1. */
  kvLength: number;
  /** Multiplies q·k (1/sqrt(headDim) for Llama). */
  scale: number;
  /** Optional padding mask [B, kvLength] (float32 or int32): 0 masks that key slot for every query of row b. */
  mask?: Tensor;
}

/** Options of `Backend.uploadByRanges`. */
export interface UploadByRangesOptions {
  /** The most bytes one `readRange` asks for (a positive integer; default 8 MiB). */
  chunkBytes?: number;
  /** Called after each chunk with the bytes uploaded so far and the tensor's byte length. */
  onProgress?: (bytesDone: number, byteLength: number) => void;
}

/**
 * One device and one stream of work. Ops are enqueued and return at once; only `read` (and
 * `Tensor.toArray`) waits. Every op allocates its output; callers dispose what they no longer need.
 *
 * Shapes: "rows" is the product of all leading dimensions; every float activation is float32.
 * Weights may be float32, float16 or bfloat16 and are widened inside the kernels.
 */
export interface Backend extends TensorOwner {
  readonly name: BackendName;
  /**
   * Optional: the most bytes of tensors this backend can hold at once where a hard limit short of the machine's
   * memory applies (the cpu backend's WebAssembly build: its 4 GiB memory, less the stacks and buffers it keeps).
   * `from_pretrained` refuses weights that exceed it before it allocates any.
   */
  readonly memoryLimit?: number;

  /**
   * Whether `op` runs for these inputs, in the op's argument order (see `OP_SIGNATURES`). A DType answers the dtype
   * question only; a TensorSpec (`{ dtype, shape }`, which a Tensor is) lets the backend answer its device limits too
   * (a head size, a binding size), so an op `supports` said yes to never fails on one. Nothing falls back silently:
   * an op outside `supports` throws UnsupportedOpError.
   */
  supports(op: OpName, inputs: readonly OpInput[]): boolean;

  /** Copies host data to the device. The CPU backend may adopt `data` without copying: do not mutate it afterwards. */
  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor;
  /**
   * Optional: uploads a tensor whose bytes are read by ranges (a safetensors tensor through a file handle), so the
   * host never holds more than one chunk of it. `readRange(offset, length)` returns exactly bytes
   * [offset, offset + length) of the tensor's data (little-endian, `dtype`); the backend is done with them before it
   * asks for the next range or resolves, so the caller may hand out one reused buffer. Ranges are asked for in order,
   * each at most `chunkBytes` long. `onProgress(bytesDone, byteLength)` is called after each chunk. If a read, the
   * progress callback or the upload fails, what was allocated is freed and the error propagates.
   * Backends without it are given whole tensors through `upload`.
   */
  uploadByRanges?(
    shape: readonly number[],
    dtype: DType,
    readRange: (offset: number, length: number) => Promise<Uint8Array>,
    options?: UploadByRangesOptions,
  ): Promise<Tensor>;
  /**
   * Optional: a tensor over the bytes [byteOffset, byteOffset + its size) of a local file, mapped instead of read
   * (nothing copied: pages come from the page cache, shared with other processes, and are read when first touched;
   * a write changes only this process's copy). Returns null where it cannot map them (the offset not aligned to the
   * dtype, a dtype its kernels do not read): the caller then reads by ranges.
   */
  mapFile?(path: string, byteOffset: number, shape: readonly number[], dtype: DType): Tensor | null;
  /** A zero-filled tensor. */
  zeros(shape: readonly number[], dtype: DType): Tensor;
  /** Reads a tensor back to a new host array (float16/bfloat16 as raw bits). */
  read(tensor: Tensor): Promise<TypedArray>;
  /** Waits until all enqueued work is done. */
  synchronize(): Promise<void>;
  /** Frees the device; tensors of this backend must not be used afterwards. */
  dispose(): void;

  /** Rows of `weight` [V, H] picked by `ids` (int32 [...]) -> float32 [..., H]. Also a row gather. */
  embedding(weight: Tensor, ids: Tensor): Tensor;
  /** x [..., H] float32 -> x / sqrt(mean(x²) + eps) * weight (weight [H]). */
  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor;
  /**
   * A residual add and the RMSNorm after it in one pass: a, b [..., H] float32 (same shape), weight [H] ->
   * sum = a + b (float32, rounded as `add` rounds) and normed = rmsNorm(sum, weight, eps), as `add` then `rmsNorm` give.
   */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor };
  /** x [..., K] float32, weight [M, K], bias [M] -> x·weightᵀ + bias, float32 [..., M]. */
  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor;
  /**
   * The gated MLP's first half in one op: x [..., K] float32, gate and up [M, K] (the same shape and dtype), gateBias
   * and upBias [M] (both or neither) -> silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias), float32 [..., M], as `linear`
   * twice then `siluMul` give (x is read once, and the two projections never leave the kernel).
   */
  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor;
  /**
   * Several projections of one input in one op (attention's q, k and v): x [..., K] float32, weights[i] [M_i, K] (one
   * dtype, at least one), biases[i] [M_i] (one for each weight or none, one dtype) -> float32 [..., M_i] for each i,
   * as `linear` with each weight gives. `supports` is asked with [x, ...weights, ...biases].
   */
  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[];
  /**
   * Rotate-half RoPE: x [B, S, numHeads * headDim] float32, positions int32 [B, S],
   * invFreq float32 [headDim / 2]. For position p and pair (i, i + headDim/2):
   * angle = p * invFreq[i] (float32), (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin) * attentionScaling on cos/sin.
   */
  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor;
  /** Writes src [B, S, numKvHeads * headDim] into cache [B, numKvHeads, maxLength, headDim] at slots offset .. offset+S-1. */
  kvWrite(cache: Tensor, src: Tensor, offset: number): void;
  /**
   * Causal attention of q [B, S, numHeads * headDim] over the first kvLength slots of the caches
   * [B, numKvHeads, maxLength, headDim], grouped-query (head h reads kv head floor(h / (numHeads / numKvHeads))),
   * with the optional padding mask. A query with no visible key gives zeros. -> float32 [B, S, numHeads * headDim].
   */
  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor;
  /** The softmax probabilities `attention` uses: float32 [B, numHeads, S, kvLength] (masked slots 0). */
  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor;
  /** silu(gate) * up, elementwise, float32. */
  siluMul(gate: Tensor, up: Tensor): Tensor;
  /** a + b, elementwise, same shape, float32. */
  add(a: Tensor, b: Tensor): Tensor;
  /** Softmax over the last dimension, float32. */
  softmax(x: Tensor): Tensor;
  /** Index of the largest value over the last dimension (the first on ties) -> int32 [...]. */
  argmax(x: Tensor): Tensor;
  /** The k largest values over the last dimension, descending (lower index first on ties). */
  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor };
  /** Converts between float32, float16, bfloat16 (round-to-nearest-even) and int32. */
  cast(x: Tensor, dtype: DType): Tensor;
}

/** What starting a backend may be told. */
export interface BackendOptions {
  /** Host threads its kernels run on ('cpu' only; default: the physical cores). */
  threads?: number;
  /**
   * The backend is tried by `device: 'auto'`, not asked for by name: a backend that would run but is a poor pick
   * (a software WebGPU adapter such as lavapipe, llvmpipe or SwiftShader) answers unavailable, with the reason.
   */
  auto?: boolean;
}

/** What a kernel package exports for the registry. */
export interface BackendModule {
  /** Whether this backend can start here, and if not, why. Never throws. */
  probe(options?: BackendOptions): Promise<{ available: boolean; reason?: string }>;
  /** Starts the backend (throws, with the reason, when it cannot). */
  createBackend(options?: BackendOptions): Promise<Backend>;
}
