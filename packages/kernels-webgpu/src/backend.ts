import {
  ArgumentError, type AttentionOptions, type Backend, type CopyBandwidth, type CopyBandwidthMeasure, type CopyBandwidthOptions, CriaError, type DType, elementBytes, type OpInput, type OpName,
  OpContract, type ReadRange, type RopeOptions, Storage, Tensor, type TypedArray, type UploadByRangesOptions, allocTypedArray, checkAddRmsNorm, checkArgmax, checkAttention, checkCastTarget,
  checkEmbedding, checkKvWrite, checkLinear, checkLinearMany, checkLinearSiluMul, checkRangeUpload, checkRmsNorm, checkRope, checkRows, checkSameShapes, checkTopk,
  checkUploadData, dtypeArrayLength, dtypeByteLength, isDType, isQuantDType, linearManyInputs, linearSiluMulInputs, quantBlock, shapeSize,
} from '@cria/core';
import { WEBGPU_SIGNATURES } from './block-signatures.js';
import { blockLinearMany, blockProjectRows } from './kernels/block-linear.js';
import { BufferPool } from './buffer-pool.js';
import { CommandBatch, type ParamField } from './command-batch.js';
import { measureGpuCopyBandwidth } from './copy-bandwidth.js';
import { type DeviceOptions, type OpenedDevice, openDevice } from './device.js';
import { type GpuData, gpuData, singleBuffer } from './gpu-data.js';
import { BufferUsage, MapMode } from './gpu-flags.js';
import type { KernelContext } from './kernel-context.js';
import { addRmsNorm } from './kernels/add-rms-norm.js';
import { argmax, topk } from './kernels/argmax.js';
import { attention } from './kernels/attention.js';
import { attentionWeights } from './kernels/attention-weights.js';
import { type CastDType, cast } from './kernels/cast.js';
import { elementwise } from './kernels/elementwise.js';
import { embedding } from './kernels/embedding.js';
import { kvWrite } from './kernels/kv-write.js';
import { linear } from './kernels/linear.js';
import { linearMany } from './kernels/linear-many.js';
import { linearSiluMul } from './kernels/linear-silu-mul.js';
import { rmsNorm } from './kernels/rms-norm.js';
import { rope } from './kernels/rope.js';
import { softmax } from './kernels/softmax.js';
import { webgpuLimit } from './limits.js';
import { fillBufferByRanges } from './upload-by-ranges.js';

/** Counters that show what the backend did (a decode loop that allocates nothing leaves `buffersCreated` unchanged). */
export interface WebGpuStats {
  buffersCreated: number;
  allocatedBytes: number;
  submits: number;
  /** Compute dispatches recorded so far (kernels; copies and clears are not counted). */
  dispatches: number;
  bindGroupsCreated: number;
  pipelines: number;
}

/**
 * The WebGPU backend: WGSL kernels on one GPUDevice. Work is recorded into one command encoder and
 * submitted only when a read, an upload or `synchronize` needs it.
 */
export class WebGpuBackend implements Backend, CopyBandwidthMeasure {
  readonly name = 'webgpu' as const;
  /** The adapter, in words. */
  readonly description: string;
  /** Whether float16 weights are read natively (shader-f16) rather than unpacked from u32 pairs. */
  readonly shaderF16: boolean;
  /** Whether the device has 'timestamp-query': measureCopyBandwidth times copies with timestamps, not the host clock. */
  readonly timestampQuery: boolean;
  /** The largest chunk an uploaded tensor is stored in; larger uploads (weights) are split across buffers. */
  readonly maxChunkBytes: number;
  /** The largest tensor an op may produce or `zeros` allocate: one binding of the device. */
  readonly maxBindingBytes: number;
  /** The weights budget it was created with (`memoryLimit`), if any: from_pretrained refuses weights beyond it. */
  readonly memoryLimit?: number;

  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #readPool: BufferPool;
  readonly #batch: CommandBatch;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #context: KernelContext;
  /** The op contract of @cria/core: its dtype table as is, this device's binding and dispatch limits (limits.ts). */
  readonly #ops: OpContract;
  #error: string | null = null;

  /** Opens a device (see DeviceOptions) and starts the backend on it. */
  static async create(options: DeviceOptions = {}): Promise<WebGpuBackend> {
    return new WebGpuBackend(await openDevice(options));
  }

  constructor(opened: OpenedDevice) {
    this.#device = opened.device;
    this.shaderF16 = opened.shaderF16;
    this.timestampQuery = opened.timestampQuery;
    this.maxChunkBytes = opened.maxChunkBytes;
    this.maxBindingBytes = opened.maxBindingBytes;
    this.description = opened.description;
    if (opened.memoryLimit !== undefined) this.memoryLimit = opened.memoryLimit;
    this.#pool = new BufferPool(this.#device);
    this.#readPool = new BufferPool(this.#device, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
    // After each submit: destroy large buffers released meanwhile, and the bind groups that name them.
    this.#batch = new CommandBatch(this.#device, () => {
      if (this.#pool.collect()) this.#batch.forgetBindGroups();
    });
    this.#device.onuncapturederror = (event) => {
      this.#error ??= event.error.message;
    };
    void this.#device.lost.then((info) => {
      if (!this.#ops.disposed) this.#error ??= `device lost: ${info.message}`;
    });
    this.#context = this.#makeContext();
    this.#ops = new OpContract(this, { signatures: WEBGPU_SIGNATURES, limit: webgpuLimit(this) });
  }

  /** The GPUDevice the kernels run on (for measurements and interop; do not destroy it). */
  get gpuDevice(): GPUDevice {
    return this.#device;
  }

  get stats(): WebGpuStats {
    return { buffersCreated: this.#pool.created, allocatedBytes: this.#pool.allocatedBytes, submits: this.#batch.submits, dispatches: this.#batch.dispatches, bindGroupsCreated: this.#batch.bindGroupsCreated, pipelines: this.#pipelines.size };
  }

  supports(op: OpName, inputs: readonly OpInput[]): boolean {
    return this.#ops.supports(op, inputs);
  }

  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    this.#ops.assertOpen();
    checkUploadData(data, shape, dtype);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const { data: handle, chunkBytes } = this.#allocate(shape, dtype, true);
    this.#batch.flush(); // recycled buffers may still be read by recorded work: keep queue order
    handle.chunks.forEach((buffer, c) => {
      const part = bytes.subarray(c * chunkBytes, Math.min((c + 1) * chunkBytes, bytes.byteLength));
      if (buffer.mapState === 'mapped') {
        // A new large buffer created mapped (weights): filled in place, no staging copy queued.
        new Uint8Array(buffer.getMappedRange(0, Math.ceil(part.byteLength / 4) * 4)).set(part);
        buffer.unmap();
        return;
      }
      if (part.byteLength === 0) return;
      const padded = part.byteLength % 4 === 0 ? part : padTo4(part);
      this.#device.queue.writeBuffer(buffer, 0, padded.buffer, padded.byteOffset, padded.byteLength);
    });
    return this.#tensor(handle, shape, dtype);
  }

  /**
   * Uploads a tensor read by ranges (see Backend.uploadByRanges): its buffers are allocated as `upload` would
   * (split across buffers above one binding; large ones mapped at creation), then each is filled range by range.
   */
  async uploadByRanges(shape: readonly number[], dtype: DType, readRange: ReadRange, options: UploadByRangesOptions = {}): Promise<Tensor> {
    this.#ops.assertOpen();
    const { byteLength, chunkBytes: rangeBytes } = checkRangeUpload(shape, dtype, options);
    const { data: handle, chunkBytes } = this.#allocate(shape, dtype, true);
    const tensor = this.#tensor(handle, shape, dtype);
    this.#batch.flush(); // recycled buffers may still be read by recorded work: keep queue order
    const loop = { chunkBytes: rangeBytes, byteLength, onProgress: options.onProgress };
    try {
      for (const [c, buffer] of handle.chunks.entries()) {
        const start = c * chunkBytes;
        await fillBufferByRanges(this.#device.queue, buffer, start, Math.min(chunkBytes, byteLength - start), readRange, loop, () => this.#ops.assertOpen());
      }
    } catch (error) {
      if (!this.#ops.disposed) for (const buffer of handle.chunks) if (buffer.mapState === 'mapped') buffer.unmap();
      tensor.dispose();
      throw error;
    }
    return tensor;
  }

  zeros(shape: readonly number[], dtype: DType): Tensor {
    this.#ops.assertOpen();
    if (!isDType(dtype)) throw new ArgumentError(`zeros: dtype '${String(dtype)}' is not a cria dtype`);
    const { data } = this.#allocate(shape, dtype, false);
    for (const buffer of data.chunks) this.#batch.clear(buffer, 0, buffer.size);
    return this.#tensor(data, shape, dtype);
  }

  async read(tensor: Tensor): Promise<TypedArray> {
    this.#ops.tensor('read', 'tensor', tensor);
    const out = allocTypedArray(tensor.dtype, dtypeArrayLength(tensor.dtype, tensor.shape));
    const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    const { chunks, chunkElements } = gpuData(tensor);
    const chunkBytes = bytesOf(tensor.dtype, chunkElements);
    const copies: { staging: GPUBuffer; at: number; bytes: number }[] = [];
    chunks.forEach((buffer, c) => {
      const at = c * chunkBytes;
      const bytes = Math.min(chunkBytes, outBytes.byteLength - at);
      if (bytes <= 0) return;
      const copyBytes = Math.min(Math.ceil(bytes / 4) * 4, buffer.size);
      const staging = this.#readPool.acquire(copyBytes);
      this.#batch.copy(buffer, 0, staging, 0, copyBytes);
      copies.push({ staging, at, bytes });
    });
    this.#batch.flush();
    try {
      await Promise.all(copies.map(({ staging }) => staging.mapAsync(MapMode.READ)));
      for (const { staging, at, bytes } of copies) {
        outBytes.set(new Uint8Array(staging.getMappedRange(0, Math.ceil(bytes / 4) * 4), 0, bytes), at);
        staging.unmap();
      }
    } catch (error) {
      this.#throwIfFailed();
      throw new CriaError(`webgpu: reading ${tensor} back failed: ${(error as Error).message}`, { cause: error });
    } finally {
      for (const { staging } of copies) this.#readPool.release(staging);
    }
    this.#throwIfFailed();
    return out;
  }

  async synchronize(): Promise<void> {
    this.#ops.assertOpen();
    this.#batch.flush();
    await this.#device.queue.onSubmittedWorkDone();
    this.#throwIfFailed();
  }

  /**
   * Buffer-to-buffer copy bandwidth of this device (bytes read + written per second; see CopyBandwidthMeasure and
   * copy-bandwidth.ts). Waits for the work recorded so far first. `bytes` above the device's maxBufferSize is
   * measured at maxBufferSize (the result's `bytes`).
   */
  async measureCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
    await this.synchronize();
    return measureGpuCopyBandwidth(this.#device, this.timestampQuery, bytes, options);
  }

  dispose(): void {
    if (this.#ops.disposed) return;
    this.#ops.dispose();
    this.#batch.destroy();
    this.#pool.trim();
    this.#readPool.trim();
    this.#device.destroy();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Destroys pooled buffers that no tensor uses. */
  trim(): void {
    this.#batch.flush();
    this.#batch.forgetBindGroups();
    this.#pool.trim();
    this.#readPool.trim();
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    this.#ops.inputs('embedding', { weight, ids });
    const shape = checkEmbedding(weight, ids);
    this.#ops.within('embedding', [weight, ids], [{ dtype: 'float32', shape: shape.outShape }]);
    return embedding(this.#context, weight, ids, shape);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.#ops.inputs('rmsNorm', { x, weight });
    const shape = checkRmsNorm(x, weight, eps);
    this.#ops.within('rmsNorm', [x, weight]);
    return rmsNorm(this.#context, x, weight, eps, shape);
  }

  /** a + b and the RMSNorm of that sum, in one dispatch (see Backend.addRmsNorm). */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.#ops.inputs('addRmsNorm', { a, b, weight });
    const shape = checkAddRmsNorm(a, b, weight, eps);
    this.#ops.within('addRmsNorm', [a, b, weight]);
    return addRmsNorm(this.#context, a, b, weight, eps, shape);
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.#ops.inputs('linear', { x, weight, bias });
    const shape = checkLinear('linear', x, weight, bias);
    this.#ops.within('linear', bias ? [x, weight, bias] : [x, weight], [{ dtype: 'float32', shape: shape.outShape }]);
    if (isQuantDType(weight.dtype)) return blockProjectRows(this.#context, 'linear', x, shape, [weight], bias ? [bias] : []);
    return linear(this.#context, x, weight, bias, shape);
  }

  /** silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias) in one dispatch per weight chunk (see Backend.linearSiluMul). */
  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    const inputs = this.#ops.inputs('linearSiluMul', linearSiluMulInputs(x, gate, up, gateBias ?? undefined, upBias ?? undefined));
    const shape = checkLinearSiluMul(x, gate, up, gateBias ?? undefined, upBias ?? undefined);
    this.#ops.within('linearSiluMul', inputs, [{ dtype: 'float32', shape: shape.outShape }]);
    if (isQuantDType(gate.dtype)) return blockProjectRows(this.#context, 'linearSiluMul', x, shape, [gate, up], gateBias && upBias ? [gateBias, upBias] : []);
    return linearSiluMul(this.#context, x, gate, up, gateBias ?? undefined, upBias ?? undefined, shape);
  }

  /**
   * linear with each weight (see Backend.linearMany): at decode one dispatch for all the weights the device's
   * storage bindings take (q, k, v: one), else one per group of them or per weight split across buffers.
   */
  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    const inputs = this.#ops.inputs('linearMany', linearManyInputs(x, weights, biases));
    const shape = checkLinearMany(x, weights, biases);
    this.#ops.within('linearMany', inputs, shape.outShapes.map((s) => ({ dtype: 'float32', shape: s })));
    if (weights[0] && isQuantDType(weights[0].dtype)) return blockLinearMany(this.#context, x, weights, biases, shape);
    return linearMany(this.#context, x, weights, biases, shape);
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    this.#ops.inputs('rope', { x, positions, invFreq });
    const shape = checkRope(x, positions, invFreq, options);
    this.#ops.within('rope', [x, positions, invFreq]);
    return rope(this.#context, x, positions, invFreq, shape);
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    this.#ops.inputs('kvWrite', { cache, src });
    const shape = checkKvWrite(cache, src, offset);
    this.#ops.within('kvWrite', [cache, src]);
    kvWrite(this.#context, cache, src, shape);
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    const inputs = this.#ops.inputs('attention', { q, kCache, vCache, 'options.mask': mask });
    const shape = checkAttention('attention', q, kCache, vCache, options);
    this.#ops.within('attention', inputs);
    return attention(this.#context, q, kCache, vCache, mask, shape);
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    const inputs = this.#ops.inputs('attentionWeights', { q, kCache, 'options.mask': mask });
    const shape = checkAttention('attentionWeights', q, kCache, undefined, options);
    this.#ops.within('attentionWeights', inputs, [{ dtype: 'float32', shape: [shape.batch, shape.numHeads, shape.seqLength, shape.kvLength] }]);
    return attentionWeights(this.#context, q, kCache, mask, shape);
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    this.#ops.inputs('siluMul', { gate, up });
    checkSameShapes('siluMul', ['gate', 'up'], gate, up);
    this.#ops.within('siluMul', [gate, up]);
    return elementwise(this.#context, 'siluMul', gate, up);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.#ops.inputs('add', { a, b });
    checkSameShapes('add', ['a', 'b'], a, b);
    this.#ops.within('add', [a, b]);
    return elementwise(this.#context, 'add', a, b);
  }

  softmax(x: Tensor): Tensor {
    this.#ops.inputs('softmax', { x });
    const shape = checkRows('softmax', 'x', x);
    this.#ops.within('softmax', [x]);
    return softmax(this.#context, x, shape);
  }

  argmax(x: Tensor): Tensor {
    this.#ops.inputs('argmax', { x });
    const shape = checkArgmax(x);
    this.#ops.within('argmax', [x]);
    return argmax(this.#context, x, shape);
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    this.#ops.inputs('topk', { x });
    const shape = checkTopk(x, k);
    this.#ops.within('topk', [x]);
    return topk(this.#context, x, shape);
  }

  cast(x: Tensor, dtype: DType): Tensor {
    this.#ops.tensor('cast', 'x', x);
    this.#ops.dtypes('cast', [x.dtype, checkCastTarget(dtype)]);
    this.#ops.within('cast', [x], [{ dtype, shape: x.shape }]);
    return cast(this.#context, x, dtype as CastDType);
  }

  #throwIfFailed(): void {
    if (this.#error !== null) {
      const message = this.#error;
      this.#error = null;
      throw new CriaError(`webgpu: ${message}`);
    }
  }

  /**
   * Buffers for a tensor: one, or (`split`, for uploads) several of at most maxChunkBytes split on rows
   * of the first dimension. Unsplit tensors must fit one binding.
   */
  #allocate(shape: readonly number[], dtype: DType, split: boolean): { data: GpuData; chunkBytes: number } {
    const size = shapeSize(shape);
    const bytes = dtypeByteLength(dtype, shape);
    const limit = split ? this.maxChunkBytes : this.maxBindingBytes;
    if (bytes <= limit) return { data: { chunks: [this.#pool.acquire(bytes, split)], chunkElements: size }, chunkBytes: bytes };
    if (!split || shape.length === 0) {
      throw new ArgumentError(
        `tensor [${shape.join(', ')}] ${dtype} (${bytes} bytes) is larger than one WebGPU binding (${limit} bytes)${split ? '' : '; only uploaded weights are split'}`,
      );
    }
    // Rows of the first dimension; a block format's rows are those of its last dimension (whole blocks).
    const rowElements = isQuantDType(dtype) ? shape[shape.length - 1]! : size / shape[0]!;
    const rowBytes = bytesOf(dtype, rowElements);
    let rowsPerChunk = Math.floor(limit / rowBytes);
    // Every chunk but the last holds a whole number of u32 words (two-byte dtypes: an even number of elements; block
    // formats: rows of 18-, 20-, 22-, ... byte blocks), so a chunk's bytes sit in its buffer as the tensor has them.
    while (rowsPerChunk > 0 && (rowsPerChunk * rowBytes) % 4 !== 0) rowsPerChunk--;
    if (rowsPerChunk === 0) {
      throw new ArgumentError(`tensor [${shape.join(', ')}] ${dtype}: one row of its first dimension is larger than one WebGPU binding (${limit} bytes)`);
    }
    const chunkElements = rowsPerChunk * rowElements;
    const chunkBytes = rowsPerChunk * rowBytes;
    const chunks: GPUBuffer[] = [];
    for (let at = 0; at < bytes; at += chunkBytes) chunks.push(this.#pool.acquire(Math.min(chunkBytes, bytes - at), true));
    return { data: { chunks, chunkElements }, chunkBytes };
  }

  #tensor(data: GpuData, shape: readonly number[], dtype: DType): Tensor {
    const byteLength = dtypeByteLength(dtype, shape);
    const storage = new Storage<GpuData>(data, byteLength, (handle) => {
      if (this.#ops.disposed) return;
      for (const buffer of handle.chunks) this.#pool.release(buffer);
    });
    return new Tensor(this, storage, shape, dtype);
  }

  #makeContext(): KernelContext {
    return {
      shaderF16: this.shaderF16,
      maxStorageBuffers: this.#device.limits.maxStorageBuffersPerShaderStage,
      pipeline: (key, source) => {
        let pipeline = this.#pipelines.get(key);
        if (!pipeline) {
          const module = this.#device.createShaderModule({ label: key, code: source() });
          pipeline = this.#device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint: 'main' } });
          this.#pipelines.set(key, pipeline);
        }
        return pipeline;
      },
      dispatch: (pipeline, params: readonly ParamField[], buffers, groups) => {
        this.#batch.dispatch(pipeline, params, buffers.map((buffer) => ({ buffer })), groups);
      },
      output: (shape, dtype) => this.#tensor(this.#allocate(shape, dtype, false).data, shape, dtype),
      buffer: (tensor, what) => singleBuffer(tensor, what),
      chunks: (tensor) => {
        const data = gpuData(tensor);
        return { buffers: data.chunks, chunkElements: data.chunkElements };
      },
    };
  }
}

/** Bytes of `elements` consecutive values of `dtype` (a whole number of blocks for a block format). */
function bytesOf(dtype: DType, elements: number): number {
  if (!isQuantDType(dtype)) return elements * elementBytes(dtype);
  const { blockElements, blockBytes } = quantBlock(dtype);
  return (elements / blockElements) * blockBytes;
}

function padTo4(bytes: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  padded.set(bytes);
  return padded;
}
