// Loads checkpoint tensors into a module tree, file by file, tensor by tensor, by ranges where it can.
import { ArgumentError, type Backend, CriaError, type DType, type QuantDType, type Tensor, type TypedArray, UnsupportedOpError, dtypeArrayLength, dtypeByteLength, hostData, isQuantDType, quantize } from '@cria/core';
import type { Module } from '../nn/module.js';
import { type FloatDType, convertFloats } from './float-conversion.js';
import { LoadProgress, type ProgressCallback } from './progress.js';
import { StagingBuffer, convertingRangeReader, quantizedChunkBytes, quantizingRangeReader, uploadChunkBytes } from './ranged-reads.js';
import { type LoadDType, type PlannedWeight, planWeights } from './weight-plan.js';
import type { WeightSource } from './weight-source.js';

export { LOAD_DTYPES, type LoadDType } from './weight-plan.js';
export type { WeightInfo, WeightSource } from './weight-source.js';

/** Host bytes a ranged load holds per read, by default. */
export const DEFAULT_CHUNK_BYTES = 8 << 20;

export interface LoadOptions {
  dtype: LoadDType;
  /** Where the base model sits in this class: 'model.', 'transformer.' or '' (LlamaModel itself). */
  basePrefix: string;
  /** Names the checkpoint in errors and in progress reports (the model directory). */
  where: string;
  /** Told of each file, each tensor and each chunk; what it throws stops the load. */
  progressCallback?: ProgressCallback;
  /** Map weights from their files where the backend and the source can (default true); false reads them all. */
  map?: boolean;
  /**
   * The most bytes of one tensor held in host memory at a time when loading by ranges (stored bytes read and
   * converted bytes alike; at least one element). Default 8 MiB.
   */
  chunkBytes?: number;
}

/**
 * Fills every parameter of `model` from `source`; missing, unexpected or misshapen weights are one error naming
 * them. A weight kept in its stored dtype is mapped from its file where the backend maps files (`mapFile`) and the
 * source says where it sits (`filePosition`). Else, when the backend has `uploadByRanges` and the source `readTensorRange`, each tensor is read and uploaded
 * chunk by chunk (dtype conversion per chunk) through one reused staging buffer; otherwise whole. On an error the
 * parameters already loaded stay set: the caller disposes the model.
 */
export async function loadWeights(model: Module, source: WeightSource, backend: Backend, options: LoadOptions): Promise<void> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new ArgumentError(`loadWeights: 'chunkBytes' must be a positive integer, got ${String(chunkBytes)}`);
  const named = model.namedParameters();
  const plan = planWeights(named, source, options.dtype, options.basePrefix, options.where);
  checkSupport(backend, plan, options.where);
  checkFits(backend, plan, options);
  const fileBytes = new Map<string, number>();
  for (const w of plan) fileBytes.set(w.file, (fileBytes.get(w.file) ?? 0) + w.storedBytes);
  const progress = new LoadProgress(options.where, fileBytes, options.progressCallback);
  const staging = new StagingBuffer();
  for (const weight of plan) {
    progress.enterFile(weight.file);
    weight.param.value = (options.map !== false ? mapped(backend, source, weight, progress) : null) ?? (backend.uploadByRanges && source.readTensorRange
      ? await uploadByRanges(backend, source, weight, chunkBytes, staging, progress)
      : await uploadWhole(backend, source, weight, progress));
  }
  progress.ready();
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Refuses, before anything is allocated, weights that exceed the backend's memory limit (where it has one). */
function checkFits(backend: Backend, plan: readonly PlannedWeight[], options: LoadOptions): void {
  const limit = backend.memoryLimit;
  if (limit === undefined) return;
  let bytes = 0;
  for (const w of plan) bytes += dtypeByteLength(w.target, w.param.shape);
  if (bytes <= limit) return;
  const smaller = options.dtype === 'float32' || plan.some((w) => w.target === 'float32' && w.param.shape.length === 2)
    ? ` (dtype 'float16' or 'bfloat16' halves the matrices)`
    : '';
  throw new CriaError(
    `${options.where}: the weights take ${bytes} bytes (${gib(bytes)}) with dtype '${options.dtype}', more than the ` +
      `${backend.name} backend${describe(backend)} can hold: ${limit} bytes (${gib(limit)})${smaller}`,
  );
}

function describe(backend: Backend): string {
  const description = (backend as Backend & { description?: unknown }).description;
  return typeof description === 'string' ? ` (${description})` : '';
}

/** The weight mapped from its file where the backend maps files and the weight keeps its stored dtype, else null. */
function mapped(backend: Backend, source: WeightSource, weight: PlannedWeight, progress: LoadProgress): Tensor | null {
  if (!backend.mapFile || !source.filePosition || weight.stored !== weight.target) return null;
  const position = source.filePosition(weight.key);
  if (!position) return null;
  const tensor = backend.mapFile(position.path, position.byteOffset, weight.param.shape, weight.target);
  return tensor && counted(tensor, weight, progress);
}

/** `tensor`, once the weight's stored bytes are counted as loaded (a callback that throws frees it). */
function counted(tensor: Tensor, weight: PlannedWeight, progress: LoadProgress): Tensor {
  try {
    progress.advance(weight.storedBytes);
  } catch (error) {
    tensor.dispose();
    throw error;
  }
  return tensor;
}

async function uploadByRanges(backend: Backend, source: WeightSource, weight: PlannedWeight, chunkBytes: number, staging: StagingBuffer, progress: LoadProgress): Promise<Tensor> {
  const readStored = (offset: number, target: Uint8Array) => source.readTensorRange!(weight.key, offset, target);
  const cols = weight.param.shape.at(-1)!;
  const quantizing = isQuantDType(weight.target) && !isQuantDType(weight.stored);
  const readRange = quantizing
    ? quantizingRangeReader(readStored, weight.stored as FloatDType, weight.target as QuantDType, cols, staging)
    : convertingRangeReader(readStored, weight.stored, weight.target, staging);
  // Progress counts stored bytes: the elements uploaded so far, at their stored size (whole rows when quantizing; a
  // block format read as stored counts its own bytes).
  const toStored = quantizing
    ? rowRatio(weight.stored, weight.target, cols)
    : isQuantDType(weight.target) ? (bytes: number) => bytes : elementRatio(weight.stored, weight.target);
  let reported = 0;
  return backend.uploadByRanges!(weight.param.shape, weight.target, readRange, {
    chunkBytes: quantizing ? quantizedChunkBytes(chunkBytes, weight.stored as FloatDType, weight.target as QuantDType, cols) : uploadChunkBytes(chunkBytes, weight.stored, weight.target),
    onProgress: (bytesDone) => {
      const storedDone = toStored(bytesDone);
      progress.advance(storedDone - reported);
      reported = storedDone;
    },
  });
}

async function uploadWhole(backend: Backend, source: WeightSource, weight: PlannedWeight, progress: LoadProgress): Promise<Tensor> {
  const host = await source.get(weight.key);
  const stored = hostData(host).subarray(0, dtypeArrayLength(host.dtype, host.shape)) as TypedArray;
  let data: TypedArray;
  if (isQuantDType(weight.target) && !isQuantDType(weight.stored)) {
    const cols = weight.param.shape.at(-1)!;
    const values = convertFloats(stored, weight.stored, 'float32') as Float32Array;
    data = quantize(weight.target, values, values.length / cols, cols);
  } else {
    data = isQuantDType(weight.stored) ? stored : convertFloats(stored, weight.stored, weight.target as FloatDType);
  }
  host.dispose();
  return counted(backend.upload(data, weight.param.shape, weight.target), weight, progress);
}

/** Stored bytes of the whole rows in `bytes` bytes of blocks (a float matrix quantized at load). */
function rowRatio(stored: DType, target: DType, cols: number): (bytes: number) => number {
  const storedRow = dtypeByteLength(stored, [cols]);
  const targetRow = dtypeByteLength(target, [cols]);
  return (bytes) => Math.floor(bytes / targetRow) * storedRow;
}

/** Stored bytes of the whole elements in `bytes` bytes of `target` (float dtypes). */
function elementRatio(stored: DType, target: DType): (bytes: number) => number {
  const storedBytes = dtypeByteLength(stored, [1]);
  const targetBytes = dtypeByteLength(target, [1]);
  return (bytes) => Math.floor(bytes / targetBytes) * storedBytes;
}

/** Before anything loads: the backend runs the matrices' dtypes (a block format on a backend without its kernels is refused by name). */
function checkSupport(backend: Backend, plan: readonly PlannedWeight[], where: string): void {
  for (const dtype of new Set(plan.filter((w) => w.param.kind === 'matrix').map((w) => w.target))) {
    const why = isQuantDType(dtype) ? `${where} holds ${dtype} weights, which the ${backend.name} backend does not run here` : undefined;
    if (!backend.supports('linear', ['float32', dtype])) throw new UnsupportedOpError(backend.name, 'linear', ['float32', dtype], why);
    if (!backend.supports('embedding', [dtype, 'int32'])) throw new UnsupportedOpError(backend.name, 'embedding', ['float32', dtype], why);
  }
}
