// The whole native surface of the addon (native/addon.cc, native/context.cc), typed, and its loader.
// Device pointers are bigint; byte counts and shape numbers are plain numbers (exact below 2^53).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttentionShape, DType, QuantDType } from '@cria/core';

/** A device pointer as the addon hands it out. */
export type DevicePtr = bigint;

/** The dtype codes of native/common.cuh (`DTypeCode`). */
export const DTYPE_CODE = { float32: 0, float16: 1, bfloat16: 2, int32: 3 } as const satisfies Partial<Record<DType, number>>;
export type NativeDType = keyof typeof DTYPE_CODE;

/** The block-format codes of native/block_weights.h (`BlockFormat`): llama.cpp's GGUF blocks as weights. */
export const BLOCK_FORMAT_CODE = { q4_0: 0, q4_1: 1, q5_0: 2, q5_1: 3, q8_0: 4, q4_k: 5, q5_k: 6, q6_k: 7 } as const satisfies Record<QuantDType, number>;

/** The shape object `attention` / `attentionWeights` take (context.cc shapeArg): core's AttentionShape and the mask's dtype. */
export interface NativeAttentionShape extends AttentionShape {
  /** -1 without a mask, else DTYPE_CODE.float32 or DTYPE_CODE.int32. */
  maskDtype: number;
}

export interface NativeDeviceCount {
  count: number;
  /** cudaGetDeviceCount's error, e.g. "cudaErrorNoDevice: no CUDA-capable device is detected". */
  error?: string;
  driverVersion: number;
  runtimeVersion: number;
}

export interface NativeDeviceInfo {
  name: string;
  computeCapability: string;
  totalMemory: number;
  multiProcessorCount: number;
}

/** One device and one non-blocking stream (native/context.h). Every op enqueues and returns. */
export interface NativeContext {
  alloc(bytes: number): DevicePtr;
  free(ptr: DevicePtr): void;
  zero(ptr: DevicePtr, bytes: number): void;
  upload(dst: DevicePtr, data: ArrayBufferView, dstByteOffset?: number): void;
  copy(dst: DevicePtr, src: DevicePtr, bytes: number): void;
  download(src: DevicePtr, bytes: number): Promise<ArrayBuffer>;
  synchronize(): Promise<void>;
  memoryInfo(): { free: number; total: number; poolReserved: number; poolUsed: number };
  dispose(): void;
  /** Which engine serves prefill GEMMs with half weights: cuBLASLt (dlopen'ed) from `minRows` rows, else WMMA. */
  gemmInfo(): { cublasLt: boolean; library: string; reason: string; minRows: number };

  embedding(weightDtype: number, weight: DevicePtr, ids: DevicePtr, out: DevicePtr, count: number, vocab: number, hidden: number): void;
  rmsNorm(x: DevicePtr, weightDtype: number, weight: DevicePtr, out: DevicePtr, rows: number, hidden: number, eps: number): void;
  /** sum = a + b and normed = rmsNorm(sum, weight, eps) in one kernel (a, b, sum, normed: float32 [rows, hidden]). */
  addRmsNorm(a: DevicePtr, b: DevicePtr, weightDtype: number, weight: DevicePtr, sum: DevicePtr, normed: DevicePtr, rows: number, hidden: number, eps: number): void;
  linear(x: DevicePtr, weightDtype: number, weight: DevicePtr, biasDtype: number, bias: DevicePtr | null, out: DevicePtr, rows: number, k: number, m: number): void;
  /**
   * out [rows, m] = silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias) through the gated matvec: decode only (rows <= 8, k a
   * multiple of 16 bytes of weight elements, x, gate and up 16-byte aligned; otherwise it fails with
   * cudaErrorInvalidValue). gate and up share `weightDtype`; the biases, both or neither (`biasDtype` -1), `biasDtype`.
   */
  linearSiluMul(x: DevicePtr, weightDtype: number, gate: DevicePtr, up: DevicePtr, biasDtype: number, gateBias: DevicePtr | null, upBias: DevicePtr | null, out: DevicePtr, rows: number, k: number, m: number): void;
  /**
   * outs[i] [rows, ms[i]] = x·weights[i]ᵀ + biases[i] for every weight in one segmented matvec launch, each output
   * linear's bit for bit: decode only (1 to 4 weights of `weightDtype`, rows <= 8, k a multiple of 16 bytes of weight
   * elements, x and every weight 16-byte aligned, the ms summing below 2^31; otherwise it fails with
   * cudaErrorInvalidValue). The biases, one per weight or none (`biasDtype` -1, `biases` null), share `biasDtype`.
   */
  linearMany(x: DevicePtr, weightDtype: number, weights: readonly DevicePtr[], biasDtype: number, biases: readonly DevicePtr[] | null, outs: readonly DevicePtr[], ms: readonly number[], rows: number, k: number): void;
  /**
   * out [rows, m] = x [rows, k] · dequantize(weight) [m, k]ᵀ (+ bias) with the weight in a llama.cpp block format
   * (`format`: BLOCK_FORMAT_CODE; k a multiple of its block size, else cudaErrorInvalidValue). Any rows (the decode
   * matvec over chunks of 8 rows). `biasDtype` -1 without bias.
   */
  blockLinear(x: DevicePtr, format: number, weight: DevicePtr, biasDtype: number, bias: DevicePtr | null, out: DevicePtr, rows: number, k: number, m: number): void;
  /** Rows of a block-format weight [vocab, hidden] picked by int32 ids, dequantized (llama.cpp's values bit for bit). */
  blockEmbedding(format: number, weight: DevicePtr, ids: DevicePtr, out: DevicePtr, count: number, vocab: number, hidden: number): void;
  rope(x: DevicePtr, positions: DevicePtr, invFreq: DevicePtr, out: DevicePtr, tokens: number, numHeads: number, headDim: number, attentionScaling: number): void;
  /** With `offsetPtr` (device int32), the offset is read on the device at run time (graph replay). */
  kvWrite(cacheDtype: number, cache: DevicePtr, src: DevicePtr, batch: number, seqLen: number, numKvHeads: number, headDim: number, maxLength: number, offset: number, offsetPtr?: DevicePtr): void;
  /** With `kvLengthPtr` (device int32; seqLength < 16), kvLength is read on the device, shape.kvLength is its bound and the mask is [batch, maxLength]. */
  attention(q: DevicePtr, cacheDtype: number, k: DevicePtr, v: DevicePtr, mask: DevicePtr | null, out: DevicePtr, shape: NativeAttentionShape, kvLengthPtr?: DevicePtr): void;
  attentionWeights(q: DevicePtr, cacheDtype: number, k: DevicePtr, mask: DevicePtr | null, out: DevicePtr, shape: NativeAttentionShape): void;
  siluMul(gate: DevicePtr, up: DevicePtr, out: DevicePtr, n: number): void;
  add(a: DevicePtr, b: DevicePtr, out: DevicePtr, n: number): void;
  softmax(x: DevicePtr, out: DevicePtr, rows: number, n: number): void;
  argmax(x: DevicePtr, out: DevicePtr, rows: number, n: number): void;
  topk(x: DevicePtr, values: DevicePtr, indices: DevicePtr, rows: number, n: number, k: number): void;
  cast(fromDtype: number, x: DevicePtr, toDtype: number, out: DevicePtr, n: number): void;

  /** Starts capturing this stream's work into a CUDA graph (nothing runs until replay). */
  beginCapture(): void;
  /** Ends the capture; returns the graph's id. Memory allocated during the capture belongs to the graph. */
  endCapture(): number;
  replay(graph: number): void;
  /** Adds 1 to `n` int32 values on the device (lets a decode graph advance its own position). */
  increment(ptr: DevicePtr, n: number): void;
  destroyGraph(graph: number): void;

  /** Records a timing event on the stream; returns its id. */
  recordTimer(): number;
  /** Milliseconds between two timers (both must have completed: synchronize first). */
  timeSince(a: number, b: number): number;
}

export interface NativeAddon {
  deviceCount(): NativeDeviceCount;
  deviceInfo(device: number): NativeDeviceInfo;
  Context: new (device: number) => NativeContext;
}

/** Where the built addon lives: $CRIA_CUDA_ADDON, else build/Release/cria_cuda.node in this package. */
export function addonPath(): string {
  const fromEnv = process.env.CRIA_CUDA_ADDON;
  if (fromEnv) return resolve(fromEnv);
  // src/ and dist/ both sit one level below the package root.
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', 'build', 'Release', 'cria_cuda.node');
}

export function addonBuilt(): boolean {
  return existsSync(addonPath());
}

let loaded: NativeAddon | undefined;

/** Loads the addon into this process. Call only after `probe()` said it is safe. */
export function loadAddon(): NativeAddon {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require(addonPath()) as NativeAddon;
  }
  return loaded;
}
