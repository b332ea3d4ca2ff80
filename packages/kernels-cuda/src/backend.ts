// The 'cuda' backend: core Tensors over device memory (Storage<bigint> of a device pointer), one stream,
// ops enqueued on it; only reads wait.
import {
  type AttentionOptions, type AttentionShape, type Backend, type CopyBandwidth, type CopyBandwidthMeasure, type CopyBandwidthOptions, type DType, type OpInput,
  type OpName, type ReadRange, type RopeOptions, type StepCapture, type TypedArray, type UploadByRangesOptions, ArgumentError, dtypeByteLength, OpContract,
  Storage, Tensor, UnsupportedOpError, checkAddRmsNorm, checkArgmax, checkAttention, checkCastTarget, checkEmbedding, checkKvWrite, checkLinear,
  checkLinearMany, checkLinearSiluMul, checkRangeUpload, checkRmsNorm, checkRope, checkRows, checkSameShapes, checkTopk, describeSpec, dtypeArrayLength, isDType, isQuantDType,
  linearManyInputs, linearSiluMulInputs, readByRanges, shapeSize, shapeText, typedArrayView,
} from '@cria/core';
import { DTYPE_CODE, type DevicePtr, type NativeAttentionShape, type NativeContext, type NativeDeviceInfo, type NativeDType } from './binding.js';
import { blockFormatCode } from './block-weights.js';
import { measureDeviceCopyBandwidth } from './copy-bandwidth.js';
import { linearManyTakes, matvecTakes } from './matvec-route.js';
import { CUDA_SIGNATURES, attentionLimit, cudaLimit } from './overrides.js';

export { MAX_ATTENTION_HEAD_DIM } from './overrides.js';

const ptr = (t: Tensor): DevicePtr => t.storage.handle as DevicePtr;
const code = (dtype: DType): number => DTYPE_CODE[dtype as NativeDType];

/** A captured CUDA graph: replay() re-runs the captured work on the backend's stream. */
export interface CudaGraph {
  replay(): void;
  dispose(): void;
}

export class CudaBackend implements Backend, StepCapture, CopyBandwidthMeasure {
  readonly name = 'cuda' as const;
  #capturing = false;
  /** The op contract of @cria/core with this backend's overrides (overrides.ts: half caches, kernel limits). */
  readonly #ops = new OpContract(this, { signatures: CUDA_SIGNATURES, limit: cudaLimit(() => this.#capturing) });
  readonly #free = (p: DevicePtr): void => this.context.free(p);

  constructor(
    /** The native context: one device, one stream (low-level; for benchmarks and tools). */
    readonly context: NativeContext,
    readonly deviceInfo: NativeDeviceInfo,
  ) {}

  supports(op: OpName, inputs: readonly OpInput[]): boolean {
    return this.#ops.supports(op, inputs);
  }

  // ------------------------------------------------------------------------------------ memory
  #alive(): void {
    this.#ops.assertOpen();
  }

  /** A new uninitialised tensor. */
  #empty(shape: readonly number[], dtype: DType): Tensor {
    this.#alive();
    const bytes = dtypeByteLength(dtype, shape);
    const handle = this.context.alloc(bytes);
    const storage = new Storage<DevicePtr>(handle, bytes, this.#free);
    return new Tensor(this, storage, shape, dtype);
  }

  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    if (!isDType(dtype)) throw new ArgumentError(`upload: dtype must be one of the cria dtypes, got ${String(dtype)}`);
    if (!ArrayBuffer.isView(data)) throw new ArgumentError('upload: data must be a typed array');
    const byteLength = dtypeByteLength(dtype, shape, 'upload: tensor');
    if (data.byteLength !== byteLength) {
      throw new ArgumentError(`upload: data has ${data.byteLength} bytes; shape ${shapeText(shape)} ${dtype} needs ${byteLength}`);
    }
    const t = this.#empty(shape, dtype);
    if (data.byteLength > 0) this.context.upload(ptr(t), data);
    return t;
  }

  /** Overwrites an existing tensor with host data (e.g. the inputs of a captured graph). */
  write(tensor: Tensor, data: TypedArray): void {
    this.#ops.tensor('write', 'tensor', tensor);
    if (data.byteLength !== tensor.byteLength) {
      throw new ArgumentError(`write: data has ${data.byteLength} bytes; tensor ${shapeText(tensor.shape)} ${tensor.dtype} has ${tensor.byteLength}`);
    }
    if (data.byteLength > 0) this.context.upload(ptr(tensor), data);
  }

  /**
   * Uploads a tensor read by byte ranges (e.g. a safetensors tensor through a file handle), so the host never
   * holds more than one chunk: `readRange(offset, length)` returns bytes [offset, offset + length) of the tensor's
   * data; `onProgress(bytesDone, byteLength)` is called after each chunk.
   */
  async uploadByRanges(shape: readonly number[], dtype: DType, readRange: ReadRange, options: UploadByRangesOptions = {}): Promise<Tensor> {
    this.#alive();
    const { byteLength, chunkBytes } = checkRangeUpload(shape, dtype, options);
    const t = this.zeros(shape, dtype);
    try {
      await readByRanges(readRange, { chunkBytes, byteLength, onProgress: options.onProgress }, (bytes, offset) => {
        this.#alive();
        this.context.upload(ptr(t), bytes, offset);
      });
    } catch (error) {
      t.dispose();
      throw error;
    }
    return t;
  }

  zeros(shape: readonly number[], dtype: DType): Tensor {
    if (!isDType(dtype)) throw new ArgumentError(`zeros: dtype must be one of the cria dtypes, got ${String(dtype)}`);
    const t = this.#empty(shape, dtype);
    if (t.byteLength > 0) this.context.zero(ptr(t), t.byteLength);
    return t;
  }

  async read(tensor: Tensor): Promise<TypedArray> {
    this.#ops.tensor('read', 'tensor', tensor);
    const buffer = await this.context.download(ptr(tensor), tensor.byteLength);
    // A block format reads back as its bytes (the GGUF blocks), an element dtype as its elements.
    return typedArrayView(tensor.dtype, buffer, 0, dtypeArrayLength(tensor.dtype, tensor.shape));
  }

  synchronize(): Promise<void> {
    this.#alive();
    return this.context.synchronize();
  }

  dispose(): void {
    if (this.#ops.disposed) return;
    this.#ops.dispose();
    this.context.dispose();
  }

  /**
   * Device-to-device copy bandwidth (bytes read + written per second), copies timed by CUDA events on this
   * backend's stream; see CopyBandwidthMeasure and copy-bandwidth.ts.
   */
  async measureCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
    this.#alive();
    return measureDeviceCopyBandwidth(this.context, bytes, options);
  }

  /** Device memory: free/total of the device and what the stream-ordered pool holds. */
  memoryInfo(): { free: number; total: number; poolReserved: number; poolUsed: number } {
    this.#alive();
    return this.context.memoryInfo();
  }

  // -------------------------------------------------------------------------------- CUDA graphs
  /**
   * Starts recording every op enqueued on this backend into a CUDA graph; nothing runs until `replay`.
   * Tensors created while capturing belong to the graph: after each replay they hold that replay's results.
   * Scalars (kvWrite's offset, attention's kvLength) are baked into the graph.
   */
  beginCapture(): void {
    this.#alive();
    this.context.beginCapture();
    this.#capturing = true;
  }

  /** Whether a CUDA graph is being captured (supports() then answers for the captured step: see overrides.ts). */
  get capturing(): boolean {
    return this.#capturing;
  }

  /** Adds 1 to every element of an int32 tensor, on the device (a captured decode step advances its position). */
  advance(tensor: Tensor): void {
    this.#ops.tensor('advance', 'tensor', tensor);
    if (tensor.dtype !== 'int32') throw new ArgumentError(`advance: tensor must be int32, got ${tensor.dtype}`);
    this.context.increment(ptr(tensor), tensor.size);
  }

  /** Copies `src` into `dst` on the device (same dtype and element count), in stream order. */
  copyInto(dst: Tensor, src: Tensor): void {
    this.#ops.tensor('copyInto', 'dst', dst);
    this.#ops.tensor('copyInto', 'src', src);
    if (dst.dtype !== src.dtype || dst.size !== src.size) {
      throw new ArgumentError(`copyInto: dst ${shapeText(dst.shape)} ${dst.dtype} and src ${shapeText(src.shape)} ${src.dtype} must hold as many elements of one dtype`);
    }
    if (dst.byteLength > 0) this.context.copy(ptr(dst), ptr(src), dst.byteLength);
  }

  endCapture(): CudaGraph {
    this.#alive();
    const id = this.context.endCapture();
    this.#capturing = false;
    let live = true;
    return {
      replay: () => {
        if (!live) throw new ArgumentError('replay: the CUDA graph was disposed');
        this.#alive();
        this.context.replay(id);
      },
      dispose: () => {
        if (!live) return;
        live = false;
        if (!this.#ops.disposed) this.context.destroyGraph(id);
      },
    };
  }

  // ---------------------------------------------------------------------------------------- ops
  embedding(weight: Tensor, ids: Tensor): Tensor {
    this.#ops.inputs('embedding', { weight, ids });
    const { vocab, hidden, count, outShape } = checkEmbedding(weight, ids);
    const out = this.#empty(outShape, 'float32');
    if (isQuantDType(weight.dtype)) this.context.blockEmbedding(blockFormatCode(weight.dtype), ptr(weight), ptr(ids), ptr(out), count, vocab, hidden);
    else this.context.embedding(code(weight.dtype), ptr(weight), ptr(ids), ptr(out), count, vocab, hidden);
    return out;
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.#ops.inputs('rmsNorm', { x, weight });
    const { rows, cols } = checkRmsNorm(x, weight, eps);
    const out = this.#empty(x.shape, 'float32');
    this.context.rmsNorm(ptr(x), code(weight.dtype), ptr(weight), ptr(out), cols === 0 ? 0 : rows, cols, eps);
    return out;
  }

  /** The residual add and the RMSNorm after it in one kernel: the numbers `add` then `rmsNorm` give. */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.#ops.inputs('addRmsNorm', { a, b, weight });
    const { rows, cols } = checkAddRmsNorm(a, b, weight, eps);
    const sum = this.#empty(a.shape, 'float32');
    const normed = this.#empty(a.shape, 'float32');
    this.context.addRmsNorm(ptr(a), ptr(b), code(weight.dtype), ptr(weight), ptr(sum), ptr(normed), cols === 0 ? 0 : rows, cols, eps);
    return { sum, normed };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.#ops.inputs('linear', { x, weight, bias });
    const { rows, k, m, outShape } = checkLinear('linear', x, weight, bias);
    const out = this.#empty(outShape, 'float32');
    if (isQuantDType(weight.dtype)) {
      // llama.cpp block format: the block matvec (block_weights.cu) for any rows; with K = 0 it writes the bias (or zeros).
      this.context.blockLinear(ptr(x), blockFormatCode(weight.dtype), ptr(weight), bias ? code(bias.dtype) : -1, bias ? ptr(bias) : null, ptr(out), rows, k, m);
      return out;
    }
    if (k === 0) {
      // x·Wᵀ is empty: the result is the bias (or zeros).
      this.context.zero(ptr(out), out.byteLength);
      if (bias && rows > 0) this.context.linear(ptr(x), code(weight.dtype), ptr(weight), code(bias.dtype), ptr(bias), ptr(out), rows, 0, m);
      return out;
    }
    this.context.linear(ptr(x), code(weight.dtype), ptr(weight), bias ? code(bias.dtype) : -1, bias ? ptr(bias) : null, ptr(out), rows, k, m);
    return out;
  }

  /**
   * The gated MLP's first half, silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias), float32 [..., M]. Decode rows run as one
   * gated matvec (each warp streams a row of gate and of up against the same x loads); where plain `linear` would not
   * use the matvec kernel (more than 8 rows, K not a whole number of 16-byte weight loads) it is linear, linear,
   * siluMul. Either way the numbers are those three ops'.
   */
  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    this.#ops.inputs('linearSiluMul', linearSiluMulInputs(x, gate, up, gateBias, upBias));
    const { rows, k, m, outShape } = checkLinearSiluMul(x, gate, up, gateBias, upBias);
    // Block-format weights: linear (the block matvec), linear, siluMul.
    if (isQuantDType(gate.dtype) || !matvecTakes(rows, k, gate.dtype, [ptr(x), ptr(gate), ptr(up)])) return this.#linearThenSiluMul(x, gate, up, gateBias, upBias);
    const out = this.#empty(outShape, 'float32');
    const bias = gateBias && upBias ? { dtype: code(gateBias.dtype), gate: ptr(gateBias), up: ptr(upBias) } : { dtype: -1, gate: null, up: null };
    this.context.linearSiluMul(ptr(x), code(gate.dtype), ptr(gate), ptr(up), bias.dtype, bias.gate, bias.up, ptr(out), rows, k, m);
    return out;
  }

  /** linearSiluMul where the gated matvec does not apply: the two projections, then siluMul (checked by the caller). */
  #linearThenSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias: Tensor | undefined, upBias: Tensor | undefined): Tensor {
    const g = this.linear(x, gate, gateBias);
    try {
      const u = this.linear(x, up, upBias);
      try {
        return this.siluMul(g, u);
      } finally {
        u.dispose();
      }
    } finally {
      g.dispose();
    }
  }

  /**
   * linear with each weight (attention's q, k, v), float32 [..., M_i] each. Decode rows run as one segmented matvec
   * launch (the grid covers weight 0's rows, then weight 1's, ...; each output is linear's bit for bit); where that
   * launch does not take the call (more than 4 weights, more than 8 rows, K not a whole number of 16-byte weight
   * loads, unaligned pointers) it is linear per weight (cuBLASLt, WMMA or SIMT as linear picks).
   */
  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    this.#ops.inputs('linearMany', linearManyInputs(x, weights, biases));
    const { rows, k, ms, outShapes } = checkLinearMany(x, weights, biases);
    const weightDtype = weights[0]!.dtype;
    // Block-format weights: linear (the block matvec) per weight.
    if (isQuantDType(weightDtype) || !linearManyTakes(rows, k, weightDtype, ms, [ptr(x), ...weights.map(ptr)])) return this.#linearEach(x, weights, biases);
    const outs: Tensor[] = [];
    try {
      for (const shape of outShapes) outs.push(this.#empty(shape, 'float32'));
      const biasDtype = biases ? code(biases[0]!.dtype) : -1;
      this.context.linearMany(ptr(x), code(weightDtype), weights.map(ptr), biasDtype, biases ? biases.map(ptr) : null, outs.map(ptr), ms, rows, k);
    } catch (error) {
      for (const t of outs) t.dispose();
      throw error;
    }
    return outs;
  }

  /** linearMany where the segmented matvec does not apply: linear per weight (checked by the caller). */
  #linearEach(x: Tensor, weights: readonly Tensor[], biases: readonly Tensor[] | undefined): Tensor[] {
    const outs: Tensor[] = [];
    try {
      weights.forEach((w, i) => outs.push(this.linear(x, w, biases?.[i])));
    } catch (error) {
      for (const t of outs) t.dispose();
      throw error;
    }
    return outs;
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    this.#ops.inputs('rope', { x, positions, invFreq });
    const { batch, seqLength, numHeads, headDim, attentionScaling } = checkRope(x, positions, invFreq, options);
    const out = this.#empty(x.shape, 'float32');
    this.context.rope(ptr(x), ptr(positions), ptr(invFreq), ptr(out), batch * seqLength, numHeads, headDim, attentionScaling);
    return out;
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    this.#ops.inputs('kvWrite', { cache, src });
    const s = checkKvWrite(cache, src, offset);
    this.context.kvWrite(code(cache.dtype), ptr(cache), ptr(src), s.batch, s.seqLength, s.numKvHeads, s.headDim, s.maxLength, s.offset);
  }

  /** The checks of attention and attentionWeights: the contract's, then this device's limits; the shape for the addon. */
  #attentionShape(op: 'attention' | 'attentionWeights', q: Tensor, kCache: Tensor, vCache: Tensor | undefined, options: AttentionOptions): NativeAttentionShape {
    const mask = options?.mask ?? undefined;
    const inputs = this.#ops.inputs(op, vCache ? { q, kCache, vCache, 'options.mask': mask } : { q, kCache, 'options.mask': mask });
    const shape: AttentionShape = checkAttention(op, q, kCache, vCache, options);
    this.#ops.within(op, inputs);
    return { ...shape, maskDtype: mask ? code(mask.dtype) : -1 };
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const shape = this.#attentionShape('attention', q, kCache, vCache, options);
    const out = this.#empty(q.shape, 'float32');
    this.context.attention(ptr(q), code(kCache.dtype), ptr(kCache), ptr(vCache), options.mask ? ptr(options.mask) : null, ptr(out), shape);
    return out;
  }

  // ------------------------------------------------ decode ops with device-side positions (for CUDA graphs)
  /**
   * kvWrite with the offset read from `offset` (int32 [1] on this device) when the work runs, so one captured
   * decode step serves every position. An offset with offset + S > maxLength writes nothing.
   */
  kvWriteAt(cache: Tensor, src: Tensor, offset: Tensor): void {
    this.#ops.tensor('kvWriteAt', 'offset', offset);
    if (offset.dtype !== 'int32' || offset.size !== 1) throw new ArgumentError(`kvWriteAt: offset ${describeSpec(offset)} must be an int32 tensor of one element`);
    this.#ops.inputs('kvWrite', { cache, src });
    // Checked as the host-side op with the offset at 0 (any device offset that does not fit writes nothing).
    const s = checkKvWrite(cache, src, 0);
    this.context.kvWrite(code(cache.dtype), ptr(cache), ptr(src), s.batch, s.seqLength, s.numKvHeads, s.headDim, s.maxLength, 0, ptr(offset));
  }

  /**
   * Decode attention (S < 16) with kvLength read from `kvLength` (int32 [1] on this device) when the work runs;
   * the optional mask is [B, maxLength] (slots past kvLength are ignored). Values are clamped to [S, maxLength].
   */
  attentionAt(q: Tensor, kCache: Tensor, vCache: Tensor, options: Omit<AttentionOptions, 'kvLength'> & { kvLength: Tensor }): Tensor {
    const { kvLength, mask, ...rest } = options;
    this.#ops.tensor('attentionAt', 'options.kvLength', kvLength);
    if (kvLength.dtype !== 'int32' || kvLength.size !== 1) throw new ArgumentError(`attentionAt: options.kvLength ${describeSpec(kvLength)} must be an int32 tensor of one element`);
    const maxLength = kCache.shape[2] ?? 0;
    // Checked as the host-side op with kvLength at its bound (so the mask is [B, maxLength]), then the decode kernel's limit.
    const shape = this.#attentionShape('attention', q, kCache, vCache, { ...rest, kvLength: maxLength, ...(mask ? { mask } : {}) });
    const reason = attentionLimit(q, kCache, true);
    if (reason !== undefined) throw new UnsupportedOpError(this.name, 'attention', [q.dtype, kCache.dtype, vCache.dtype], `attentionAt: ${reason}`);
    const out = this.#empty(q.shape, 'float32');
    this.context.attention(ptr(q), code(kCache.dtype), ptr(kCache), ptr(vCache), mask ? ptr(mask) : null, ptr(out), shape, ptr(kvLength));
    return out;
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const shape = this.#attentionShape('attentionWeights', q, kCache, undefined, options);
    const out = this.#empty([shape.batch, shape.numHeads, shape.seqLength, shape.kvLength], 'float32');
    this.context.attentionWeights(ptr(q), code(kCache.dtype), ptr(kCache), options.mask ? ptr(options.mask) : null, ptr(out), shape);
    return out;
  }

  #elementwise(op: 'siluMul' | 'add', a: Tensor, b: Tensor, names: readonly [string, string]): Tensor {
    this.#ops.inputs(op, { [names[0]]: a, [names[1]]: b });
    const n = checkSameShapes(op, names, a, b);
    const out = this.#empty(a.shape, 'float32');
    this.context[op](ptr(a), ptr(b), ptr(out), n);
    return out;
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    return this.#elementwise('siluMul', gate, up, ['gate', 'up']);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#elementwise('add', a, b, ['a', 'b']);
  }

  softmax(x: Tensor): Tensor {
    this.#ops.inputs('softmax', { x });
    const { rows, cols } = checkRows('softmax', 'x', x);
    const out = this.#empty(x.shape, 'float32');
    if (cols > 0) this.context.softmax(ptr(x), ptr(out), rows, cols);
    return out;
  }

  argmax(x: Tensor): Tensor {
    this.#ops.inputs('argmax', { x });
    const { rows, cols } = checkArgmax(x);
    const out = this.#empty(x.shape.slice(0, -1), 'int32');
    this.context.argmax(ptr(x), ptr(out), rows, cols);
    return out;
  }

  /** k = 0 gives empty values and indices without a launch (as torch.topk). */
  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    this.#ops.inputs('topk', { x });
    const { rows, cols, outShape } = checkTopk(x, k);
    const values = this.#empty(outShape, 'float32');
    const indices = this.#empty(outShape, 'int32');
    if (rows > 0 && k > 0) this.context.topk(ptr(x), ptr(values), ptr(indices), rows, cols, k);
    return { values, indices };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    this.#ops.tensor('cast', 'x', x);
    this.#ops.dtypes('cast', [x.dtype, checkCastTarget(dtype)]);
    const out = this.#empty(x.shape, dtype);
    this.context.cast(code(x.dtype), ptr(x), code(dtype), ptr(out), x.size);
    return out;
  }
}
