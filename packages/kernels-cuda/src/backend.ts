// The 'cuda' backend: core Tensors over device memory (Storage<bigint> of a device pointer), one stream,
// ops enqueued on it; only reads wait.
import {
  type AttentionOptions,
  type Backend,
  ArgumentError,
  type CopyBandwidth,
  type CopyBandwidthMeasure,
  type CopyBandwidthOptions,
  type DType,
  DTYPE_BYTES,
  type OpName,
  type RopeOptions,
  type StepCapture,
  Storage,
  Tensor,
  type TypedArray,
  isDType,
  shapeSize,
  typedArrayView,
} from '@cria/core';
import { DTYPE_CODE, type DevicePtr, type NativeAttentionShape, type NativeContext, type NativeDeviceInfo, type NativeDType } from './binding.js';
import { lastDim, requireFinite, requireInteger, requireOwned, requireRank, requireSupported, sameShape, shapeText } from './check.js';
import { measureDeviceCopyBandwidth } from './copy-bandwidth.js';
import { checkLinearMany } from './linear-many-args.js';
import { linearManyTakes, matvecTakes } from './matvec-route.js';
import { cudaSupports } from './supports.js';

/** The largest head size the fused attention kernels are compiled for. */
export const MAX_ATTENTION_HEAD_DIM = 256;

const ptr = (t: Tensor): DevicePtr => t.storage.handle as DevicePtr;
const code = (dtype: DType): number => DTYPE_CODE[dtype as NativeDType];

/** A captured CUDA graph: replay() re-runs the captured work on the backend's stream. */
export interface CudaGraph {
  replay(): void;
  dispose(): void;
}

export class CudaBackend implements Backend, StepCapture, CopyBandwidthMeasure {
  readonly name = 'cuda' as const;
  #disposed = false;
  readonly #free = (p: DevicePtr): void => this.context.free(p);

  constructor(
    /** The native context: one device, one stream (low-level; for benchmarks and tools). */
    readonly context: NativeContext,
    readonly deviceInfo: NativeDeviceInfo,
  ) {}

  supports(op: OpName, dtypes: readonly DType[]): boolean {
    return cudaSupports(op, dtypes);
  }

  // ------------------------------------------------------------------------------------ memory
  #alive(): void {
    if (this.#disposed) throw new ArgumentError('the cuda backend was disposed');
  }

  /** A new uninitialised tensor. */
  #empty(shape: readonly number[], dtype: DType): Tensor {
    this.#alive();
    const bytes = shapeSize(shape) * DTYPE_BYTES[dtype];
    const handle = this.context.alloc(bytes);
    const storage = new Storage<DevicePtr>(handle, bytes, this.#free);
    return new Tensor(this, storage, shape, dtype);
  }

  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    if (!isDType(dtype)) throw new ArgumentError(`upload: dtype must be one of the cria dtypes, got ${String(dtype)}`);
    if (!ArrayBuffer.isView(data)) throw new ArgumentError('upload: data must be a typed array');
    const size = shapeSize(shape);
    if (data.byteLength !== size * DTYPE_BYTES[dtype]) {
      throw new ArgumentError(`upload: data has ${data.byteLength} bytes; shape ${shapeText(shape)} ${dtype} needs ${size * DTYPE_BYTES[dtype]}`);
    }
    const t = this.#empty(shape, dtype);
    if (data.byteLength > 0) this.context.upload(ptr(t), data);
    return t;
  }

  /** Overwrites an existing tensor with host data (e.g. the inputs of a captured graph). */
  write(tensor: Tensor, data: TypedArray): void {
    requireOwned(this, 'write', 'tensor', tensor);
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
  async uploadByRanges(
    shape: readonly number[],
    dtype: DType,
    readRange: (offset: number, length: number) => Promise<Uint8Array>,
    options: { chunkBytes?: number; onProgress?: (bytesDone: number, byteLength: number) => void } = {},
  ): Promise<Tensor> {
    const chunkBytes = options.chunkBytes ?? 8 << 20;
    requireInteger('uploadByRanges', 'options.chunkBytes', chunkBytes, 1);
    const t = this.zeros(shape, dtype);
    try {
      for (let offset = 0; offset < t.byteLength; offset += chunkBytes) {
        const length = Math.min(chunkBytes, t.byteLength - offset);
        const bytes = await readRange(offset, length);
        if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
          throw new ArgumentError(`uploadByRanges: readRange(${offset}, ${length}) returned ${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : 'no Uint8Array'}; expected ${length} bytes`);
        }
        this.context.upload(ptr(t), bytes, offset);
        options.onProgress?.(offset + length, t.byteLength);
      }
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
    requireOwned(this, 'read', 'tensor', tensor);
    const buffer = await this.context.download(ptr(tensor), tensor.byteLength);
    return typedArrayView(tensor.dtype, buffer, 0, tensor.size);
  }

  synchronize(): Promise<void> {
    this.#alive();
    return this.context.synchronize();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
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
  }

  /** Adds 1 to every element of an int32 tensor, on the device (a captured decode step advances its position). */
  advance(tensor: Tensor): void {
    requireOwned(this, 'advance', 'tensor', tensor);
    if (tensor.dtype !== 'int32') throw new ArgumentError(`advance: tensor must be int32, got ${tensor.dtype}`);
    this.context.increment(ptr(tensor), tensor.size);
  }

  /** Copies `src` into `dst` on the device (same dtype and element count), in stream order. */
  copyInto(dst: Tensor, src: Tensor): void {
    requireOwned(this, 'copyInto', 'dst', dst);
    requireOwned(this, 'copyInto', 'src', src);
    if (dst.dtype !== src.dtype || dst.size !== src.size) {
      throw new ArgumentError(`copyInto: dst ${shapeText(dst.shape)} ${dst.dtype} and src ${shapeText(src.shape)} ${src.dtype} must hold as many elements of one dtype`);
    }
    if (dst.byteLength > 0) this.context.copy(ptr(dst), ptr(src), dst.byteLength);
  }

  endCapture(): CudaGraph {
    this.#alive();
    const id = this.context.endCapture();
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
        if (!this.#disposed) this.context.destroyGraph(id);
      },
    };
  }

  // ---------------------------------------------------------------------------------------- ops
  embedding(weight: Tensor, ids: Tensor): Tensor {
    requireOwned(this, 'embedding', 'weight', weight);
    requireOwned(this, 'embedding', 'ids', ids);
    requireSupported('embedding', [weight.dtype, ids.dtype]);
    requireRank('embedding', 'weight', weight, 2, () => '[vocab, hidden]');
    const [vocab, hidden] = weight.shape as [number, number];
    const out = this.#empty([...ids.shape, hidden], 'float32');
    this.context.embedding(code(weight.dtype), ptr(weight), ptr(ids), ptr(out), ids.size, vocab, hidden);
    return out;
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    requireOwned(this, 'rmsNorm', 'x', x);
    requireOwned(this, 'rmsNorm', 'weight', weight);
    requireSupported('rmsNorm', [x.dtype, weight.dtype]);
    requireFinite('rmsNorm', 'eps', eps);
    const hidden = lastDim('rmsNorm', 'x', x);
    if (weight.size !== hidden) throw new ArgumentError(`rmsNorm: weight must hold ${hidden} elements (x's last dimension), got ${shapeText(weight.shape)}`);
    const out = this.#empty(x.shape, 'float32');
    this.context.rmsNorm(ptr(x), code(weight.dtype), ptr(weight), ptr(out), hidden === 0 ? 0 : x.size / hidden, hidden, eps);
    return out;
  }

  /** The residual add and the RMSNorm after it in one kernel: the numbers `add` then `rmsNorm` give. */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    requireOwned(this, 'addRmsNorm', 'a', a);
    requireOwned(this, 'addRmsNorm', 'b', b);
    requireOwned(this, 'addRmsNorm', 'weight', weight);
    requireSupported('addRmsNorm', [a.dtype, b.dtype, weight.dtype]);
    if (!sameShape(a.shape, b.shape)) throw new ArgumentError(`addRmsNorm: a ${shapeText(a.shape)} and b ${shapeText(b.shape)} must have the same shape`);
    requireFinite('addRmsNorm', 'eps', eps);
    if (eps < 0) throw new ArgumentError(`addRmsNorm: eps must be >= 0, got ${eps}`);
    const hidden = lastDim('addRmsNorm', 'a', a);
    if (weight.size !== hidden) throw new ArgumentError(`addRmsNorm: weight must hold ${hidden} elements (a's last dimension), got ${shapeText(weight.shape)}`);
    const sum = this.#empty(a.shape, 'float32');
    const normed = this.#empty(a.shape, 'float32');
    this.context.addRmsNorm(ptr(a), ptr(b), code(weight.dtype), ptr(weight), ptr(sum), ptr(normed), hidden === 0 ? 0 : a.size / hidden, hidden, eps);
    return { sum, normed };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    requireOwned(this, 'linear', 'x', x);
    requireOwned(this, 'linear', 'weight', weight);
    requireOwned(this, 'linear', 'bias', bias);
    requireSupported('linear', bias ? [x.dtype, weight.dtype, bias.dtype] : [x.dtype, weight.dtype]);
    requireRank('linear', 'weight', weight, 2, () => '[outFeatures, inFeatures]');
    const [m, k] = weight.shape as [number, number];
    const xk = lastDim('linear', 'x', x);
    if (xk !== k) throw new ArgumentError(`linear: x's last dimension (${xk}) must equal weight's in_features (${k}); x ${shapeText(x.shape)}, weight ${shapeText(weight.shape)}`);
    if (bias && bias.size !== m) throw new ArgumentError(`linear: bias must hold ${m} elements, got ${shapeText(bias.shape)}`);
    const rows = k === 0 ? shapeSize(x.shape.slice(0, -1)) : x.size / k;
    const out = this.#empty([...x.shape.slice(0, -1), m], 'float32');
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
    const op = 'linearSiluMul';
    requireOwned(this, op, 'x', x);
    requireOwned(this, op, 'gate', gate);
    requireOwned(this, op, 'up', up);
    requireOwned(this, op, 'gateBias', gateBias);
    requireOwned(this, op, 'upBias', upBias);
    if ((gateBias === undefined) !== (upBias === undefined)) {
      throw new ArgumentError(`linearSiluMul: gateBias and upBias must be given together, got ${gateBias === undefined ? 'upBias' : 'gateBias'} alone`);
    }
    if (gate.dtype !== up.dtype || !sameShape(gate.shape, up.shape)) {
      throw new ArgumentError(`linearSiluMul: gate ${shapeText(gate.shape)} ${gate.dtype} and up ${shapeText(up.shape)} ${up.dtype} must have the same shape and dtype`);
    }
    if (gateBias && upBias && gateBias.dtype !== upBias.dtype) {
      throw new ArgumentError(`linearSiluMul: gateBias (${gateBias.dtype}) and upBias (${upBias.dtype}) must have the same dtype`);
    }
    requireSupported(op, gateBias && upBias ? [x.dtype, gate.dtype, up.dtype, gateBias.dtype, upBias.dtype] : [x.dtype, gate.dtype, up.dtype]);
    requireRank(op, 'gate', gate, 2, () => '[outFeatures, inFeatures]');
    const [m, k] = gate.shape as [number, number];
    const xk = lastDim(op, 'x', x);
    if (xk !== k) throw new ArgumentError(`linearSiluMul: x's last dimension (${xk}) must equal gate's in_features (${k}); x ${shapeText(x.shape)}, gate ${shapeText(gate.shape)}`);
    for (const [name, bias] of [['gateBias', gateBias], ['upBias', upBias]] as const) {
      if (bias && bias.size !== m) throw new ArgumentError(`linearSiluMul: ${name} must hold ${m} elements (gate's out_features), got ${shapeText(bias.shape)}`);
    }
    const rows = k === 0 ? shapeSize(x.shape.slice(0, -1)) : x.size / k;
    if (!matvecTakes(rows, k, gate.dtype, [ptr(x), ptr(gate), ptr(up)])) return this.#linearThenSiluMul(x, gate, up, gateBias, upBias);
    const out = this.#empty([...x.shape.slice(0, -1), m], 'float32');
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
    const { k, ms, weightDtype } = checkLinearMany(this, x, weights, biases);
    const rows = k === 0 ? shapeSize(x.shape.slice(0, -1)) : x.size / k;
    if (!linearManyTakes(rows, k, weightDtype, ms, [ptr(x), ...weights.map(ptr)])) return this.#linearEach(x, weights, biases);
    const lead = x.shape.slice(0, -1);
    const outs: Tensor[] = [];
    try {
      for (const m of ms) outs.push(this.#empty([...lead, m], 'float32'));
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
    requireOwned(this, 'rope', 'x', x);
    requireOwned(this, 'rope', 'positions', positions);
    requireOwned(this, 'rope', 'invFreq', invFreq);
    requireSupported('rope', [x.dtype, positions.dtype, invFreq.dtype]);
    const { numHeads, headDim, attentionScaling } = options;
    requireInteger('rope', 'options.numHeads', numHeads, 1);
    requireInteger('rope', 'options.headDim', headDim, 2);
    if (headDim % 2 !== 0) throw new ArgumentError(`rope: options.headDim must be even, got ${headDim}`);
    requireFinite('rope', 'options.attentionScaling', attentionScaling);
    requireRank('rope', 'x', x, 3, () => `[batch, seq, numHeads * headDim] = [B, S, ${numHeads * headDim}]`);
    const [b, s, width] = x.shape as [number, number, number];
    if (width !== numHeads * headDim) throw new ArgumentError(`rope: x's last dimension must be numHeads * headDim = ${numHeads * headDim}, got ${width}`);
    if (!sameShape(positions.shape, [b, s])) throw new ArgumentError(`rope: positions must be [${b}, ${s}] (x's batch and seq), got ${shapeText(positions.shape)}`);
    if (invFreq.size !== headDim / 2) throw new ArgumentError(`rope: invFreq must hold headDim / 2 = ${headDim / 2} elements, got ${shapeText(invFreq.shape)}`);
    const out = this.#empty(x.shape, 'float32');
    this.context.rope(ptr(x), ptr(positions), ptr(invFreq), ptr(out), b * s, numHeads, headDim, attentionScaling);
    return out;
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    requireOwned(this, 'kvWrite', 'cache', cache);
    requireOwned(this, 'kvWrite', 'src', src);
    requireSupported('kvWrite', [cache.dtype, src.dtype]);
    requireRank('kvWrite', 'cache', cache, 4, () => '[batch, numKvHeads, maxLength, headDim]');
    requireRank('kvWrite', 'src', src, 3, () => '[batch, seq, numKvHeads * headDim]');
    const [b, numKvHeads, maxLength, headDim] = cache.shape as [number, number, number, number];
    const [sb, s, width] = src.shape as [number, number, number];
    if (sb !== b || width !== numKvHeads * headDim) {
      throw new ArgumentError(`kvWrite: src must be [${b}, S, ${numKvHeads * headDim}] for cache ${shapeText(cache.shape)}, got ${shapeText(src.shape)}`);
    }
    requireInteger('kvWrite', 'offset', offset, 0, maxLength - s);
    this.context.kvWrite(code(cache.dtype), ptr(cache), ptr(src), b, s, numKvHeads, headDim, maxLength, offset);
  }

  #attentionShape(op: 'attention' | 'attentionWeights', q: Tensor, k: Tensor, v: Tensor | undefined, options: AttentionOptions): NativeAttentionShape {
    const { numHeads, numKvHeads, headDim, kvLength, scale, mask } = options;
    requireOwned(this, op, 'q', q);
    requireOwned(this, op, 'kCache', k);
    requireOwned(this, op, 'vCache', v);
    requireOwned(this, op, 'options.mask', mask);
    const dtypes: DType[] = v ? [q.dtype, k.dtype, v.dtype] : [q.dtype, k.dtype];
    if (mask) dtypes.push(mask.dtype);
    requireSupported(op, dtypes);
    requireInteger(op, 'options.numHeads', numHeads, 1);
    requireInteger(op, 'options.numKvHeads', numKvHeads, 1);
    requireInteger(op, 'options.headDim', headDim, 1, op === 'attention' ? MAX_ATTENTION_HEAD_DIM : Number.MAX_SAFE_INTEGER);
    requireFinite(op, 'options.scale', scale);
    if (numHeads % numKvHeads !== 0) throw new ArgumentError(`${op}: options.numHeads (${numHeads}) must be a multiple of options.numKvHeads (${numKvHeads})`);
    requireRank(op, 'q', q, 3, () => `[batch, seq, numHeads * headDim] = [B, S, ${numHeads * headDim}]`);
    const [b, s, width] = q.shape as [number, number, number];
    if (width !== numHeads * headDim) throw new ArgumentError(`${op}: q's last dimension must be numHeads * headDim = ${numHeads * headDim}, got ${width}`);
    requireRank(op, 'kCache', k, 4, () => '[batch, numKvHeads, maxLength, headDim]');
    const maxLength = k.shape[2]!;
    const want = [b, numKvHeads, maxLength, headDim];
    if (!sameShape(k.shape, want)) throw new ArgumentError(`${op}: kCache must be ${shapeText(want)}, got ${shapeText(k.shape)}`);
    if (v && !sameShape(v.shape, want)) throw new ArgumentError(`${op}: vCache must be ${shapeText(want)} like kCache, got ${shapeText(v.shape)}`);
    requireInteger(op, 'options.kvLength', kvLength, s, maxLength);
    if (mask && !sameShape(mask.shape, [b, kvLength])) throw new ArgumentError(`${op}: options.mask must be [${b}, ${kvLength}] (batch, kvLength), got ${shapeText(mask.shape)}`);
    return {
      batch: b,
      seqLen: s,
      numHeads,
      numKvHeads,
      headDim,
      maxLength,
      kvLength,
      scale,
      maskDtype: mask ? code(mask.dtype) : -1,
    };
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
    requireOwned(this, 'kvWriteAt', 'offset', offset);
    if (offset.dtype !== 'int32' || offset.size !== 1) throw new ArgumentError(`kvWriteAt: offset must be an int32 tensor of one element, got ${shapeText(offset.shape)} ${offset.dtype}`);
    requireOwned(this, 'kvWriteAt', 'cache', cache);
    requireOwned(this, 'kvWriteAt', 'src', src);
    requireSupported('kvWrite', [cache.dtype, src.dtype]);
    requireRank('kvWriteAt', 'cache', cache, 4, () => '[batch, numKvHeads, maxLength, headDim]');
    requireRank('kvWriteAt', 'src', src, 3, () => '[batch, seq, numKvHeads * headDim]');
    const [b, numKvHeads, maxLength, headDim] = cache.shape as [number, number, number, number];
    const [sb, s, width] = src.shape as [number, number, number];
    if (sb !== b || width !== numKvHeads * headDim || s > maxLength) {
      throw new ArgumentError(`kvWriteAt: src must be [${b}, S <= ${maxLength}, ${numKvHeads * headDim}] for cache ${shapeText(cache.shape)}, got ${shapeText(src.shape)}`);
    }
    this.context.kvWrite(code(cache.dtype), ptr(cache), ptr(src), b, s, numKvHeads, headDim, maxLength, 0, ptr(offset));
  }

  /**
   * Decode attention (S < 16) with kvLength read from `kvLength` (int32 [1] on this device) when the work runs;
   * the optional mask is [B, maxLength] (slots past kvLength are ignored). Values are clamped to [S, maxLength].
   */
  attentionAt(q: Tensor, kCache: Tensor, vCache: Tensor, options: Omit<AttentionOptions, 'kvLength'> & { kvLength: Tensor }): Tensor {
    const { kvLength, mask, ...rest } = options;
    requireOwned(this, 'attentionAt', 'options.kvLength', kvLength);
    if (kvLength.dtype !== 'int32' || kvLength.size !== 1) throw new ArgumentError(`attentionAt: options.kvLength must be an int32 tensor of one element, got ${shapeText(kvLength.shape)} ${kvLength.dtype}`);
    requireRank('attentionAt', 'kCache', kCache, 4, () => '[batch, numKvHeads, maxLength, headDim]');
    const maxLength = kCache.shape[2]!;
    const seq = q.shape[1];
    if (seq === undefined || seq >= 16) throw new ArgumentError(`attentionAt: q must be [B, S < 16, numHeads * headDim] (decode), got ${shapeText(q.shape)}`);
    // Checked as the host-side op with kvLength at its bound; the mask is [B, maxLength].
    const shape = this.#attentionShape('attention', q, kCache, vCache, { ...rest, kvLength: maxLength, ...(mask ? { mask } : {}) });
    const out = this.#empty(q.shape, 'float32');
    this.context.attention(ptr(q), code(kCache.dtype), ptr(kCache), ptr(vCache), mask ? ptr(mask) : null, ptr(out), shape, ptr(kvLength));
    return out;
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const shape = this.#attentionShape('attentionWeights', q, kCache, undefined, options);
    const out = this.#empty([shape.batch, shape.numHeads, shape.seqLen, shape.kvLength], 'float32');
    this.context.attentionWeights(ptr(q), code(kCache.dtype), ptr(kCache), options.mask ? ptr(options.mask) : null, ptr(out), shape);
    return out;
  }

  #elementwise(op: 'siluMul' | 'add', a: Tensor, b: Tensor, names: [string, string]): Tensor {
    requireOwned(this, op, names[0], a);
    requireOwned(this, op, names[1], b);
    requireSupported(op, [a.dtype, b.dtype]);
    if (!sameShape(a.shape, b.shape)) throw new ArgumentError(`${op}: ${names[0]} ${shapeText(a.shape)} and ${names[1]} ${shapeText(b.shape)} must have the same shape`);
    const out = this.#empty(a.shape, 'float32');
    this.context[op](ptr(a), ptr(b), ptr(out), a.size);
    return out;
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    return this.#elementwise('siluMul', gate, up, ['gate', 'up']);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#elementwise('add', a, b, ['a', 'b']);
  }

  softmax(x: Tensor): Tensor {
    requireOwned(this, 'softmax', 'x', x);
    requireSupported('softmax', [x.dtype]);
    const n = lastDim('softmax', 'x', x);
    const out = this.#empty(x.shape, 'float32');
    if (n > 0) this.context.softmax(ptr(x), ptr(out), x.size / n, n);
    return out;
  }

  argmax(x: Tensor): Tensor {
    requireOwned(this, 'argmax', 'x', x);
    requireSupported('argmax', [x.dtype]);
    const n = lastDim('argmax', 'x', x);
    if (n === 0) throw new ArgumentError(`argmax: x's last dimension must be at least 1, got ${shapeText(x.shape)}`);
    const out = this.#empty(x.shape.slice(0, -1), 'int32');
    this.context.argmax(ptr(x), ptr(out), x.size / n, n);
    return out;
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    requireOwned(this, 'topk', 'x', x);
    requireSupported('topk', [x.dtype]);
    const n = lastDim('topk', 'x', x);
    requireInteger('topk', 'k', k, 1, n);
    const shape = [...x.shape.slice(0, -1), k];
    const values = this.#empty(shape, 'float32');
    const indices = this.#empty(shape, 'int32');
    this.context.topk(ptr(x), ptr(values), ptr(indices), x.size / n, n, k);
    return { values, indices };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    requireOwned(this, 'cast', 'x', x);
    requireSupported('cast', [x.dtype, dtype]);
    const out = this.#empty(x.shape, dtype);
    this.context.cast(code(x.dtype), ptr(x), code(dtype), ptr(out), x.size);
    return out;
  }
}
