import {
  type AttentionOptions,
  type Backend,
  BLOCK_WEIGHT_SIGNATURES,
  type DType,
  QUANT_DTYPES,
  dtypeArrayLength,
  dtypeByteLength,
  elementBytes,
  isQuantDType,
  type RopeOptions,
  type TypedArray,
  type UploadByRangesOptions,
  ArgumentError,
  Storage,
  Tensor,
  allocTypedArray,
  checkAddRmsNorm,
  checkArgmax,
  checkAttention,
  checkCastTarget,
  checkEmbedding,
  checkKvWrite,
  checkLinear,
  checkLinearMany,
  checkLinearSiluMul,
  checkRangeUpload,
  checkRmsNorm,
  checkRope,
  checkRows,
  checkSameShapes,
  checkTopk,
  checkUploadData,
  isDType,
  linearManyInputs,
  linearSiluMulInputs,
  readByRanges,
  withSignatures,
} from '@cria/core';
import { HostBackend } from '../host-backend.js';
import { type CastDType, castKernel } from '../ops/cast.js';
import { ropeTables } from '../ops/rope.js';
import { argmaxKernel, topkKernel } from '../ops/select.js';
import { widened } from '../widen.js';
import { type KernelRunner, WTYPE, type WType, type WeightArray } from './kernel-runner.js';

/**
 * The dtypes the kernels read (float32, float16 and bfloat16 weights, llama.cpp's block formats for the matrices of
 * embedding and the linears; int32 ids and masks): kept where they run.
 */
const KERNEL_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32', ...QUANT_DTYPES];

/** The op table: OP_SIGNATURES with block-format matrices for embedding, linear, linearSiluMul and linearMany. */
const SIGNATURES = withSignatures(BLOCK_WEIGHT_SIGNATURES);

/**
 * The alignment a mapped block-format tensor needs: none (the kernels read blocks with unaligned loads, and a
 * Uint8Array starts anywhere); GGUF aligns tensor data to 32 bytes anyway.
 */
const BLOCK_MAP_ALIGNMENT = 1;

/**
 * The fast CPU backend ('cpu'): every op of the contract on the kernels of native/ (the Node addon, or the
 * WebAssembly build), threads that stay up, weights kept in their stored dtype and widened in registers (llama.cpp's
 * block formats too, for the matrices of embedding and the linears: dequantized in registers as llama.cpp's
 * dequantize_row_* does, then float32 accumulation, as the float weights). Tensors live in host memory the runner can read (for the wasm build: inside its memory). Work runs at once, as on
 * the reference backend, so `synchronize` has nothing to wait for.
 */
export class NativeCpuBackend extends HostBackend implements Backend {
  readonly name = 'cpu' as const;
  /** float32 copies of float16/bfloat16 biases and int32 masks, made once per tensor. */
  readonly #asFloat32 = new WeakMap<Tensor, Float32Array>();
  /** The cos/sin tables of a positions tensor (the same for every layer of a forward pass). */
  readonly #ropeTables = new WeakMap<Tensor, { invFreq: Tensor; scaling: number; cos: Float32Array; sin: Float32Array }>();

  /** The addon reads any host-memory tensor (the file readers' too); the wasm build only arrays in its memory. */
  constructor(readonly runner: KernelRunner) {
    super((t, self) => t.owner === self || (runner.kind === 'addon' && t.device === 'cpu' && ArrayBuffer.isView(t.storage.handle)), SIGNATURES);
    if (runner.mapFile && runner.unmapFile) this.mapFile = this.#mapFile.bind(this);
  }

  /** The wasm build's: its 4 GiB memory less what the runner keeps (see Backend.memoryLimit); undefined on the addon. */
  get memoryLimit(): number | undefined {
    return this.runner.memoryLimit;
  }

  /** 'addon' or 'wasm', the instruction set and the threads, e.g. 'addon avx512 × 2 threads'. */
  get description(): string {
    return `${this.runner.kind} ${this.runner.isa} × ${this.runner.threads} thread${this.runner.threads === 1 ? '' : 's'}`;
  }


  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    this.ops.assertOpen();
    checkUploadData(data, shape, dtype);
    // The addon reads any host array: it adopts `data` (as the reference does); the wasm build copies it into its memory.
    if (this.runner.kind === 'addon' || !KERNEL_DTYPES.includes(dtype)) return new Tensor(this, new Storage(data, data.byteLength, () => {}), shape, dtype);
    const array = this.#alloc(dtype, data.length);
    array.set(data as never);
    return this.#tensor(array, shape, dtype);
  }

  /** Reads the tensor range by range straight into the backend's memory. */
  async uploadByRanges(
    shape: readonly number[],
    dtype: DType,
    readRange: (offset: number, length: number) => Promise<Uint8Array>,
    options: UploadByRangesOptions = {},
  ): Promise<Tensor> {
    this.ops.assertOpen();
    const { byteLength, chunkBytes } = checkRangeUpload(shape, dtype, options);
    const array = this.#alloc(dtype, dtypeArrayLength(dtype, shape));
    try {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      await readByRanges(readRange, { chunkBytes, byteLength, onProgress: options.onProgress }, (chunk, offset) => bytes.set(chunk, offset));
      this.ops.assertOpen();
    } catch (error) {
      if (KERNEL_DTYPES.includes(dtype)) this.runner.free(array as Float32Array | Uint8Array);
      throw error;
    }
    return this.#tensor(array, shape, dtype);
  }

  /**
   * A weight mapped from its file (see Backend.mapFile): only on the addon (the wasm build reads into its memory, so it
   * has no mapFile). Null for a dtype the kernels do not read, or an offset not aligned to the dtype (a typed array
   * cannot start there; a block format's bytes need no alignment, BLOCK_MAP_ALIGNMENT).
   */
  readonly mapFile?: (path: string, byteOffset: number, shape: readonly number[], dtype: DType) => Tensor | null;

  #mapFile(path: string, byteOffset: number, shape: readonly number[], dtype: DType): Tensor | null {
    this.ops.assertOpen();
    const { mapFile, unmapFile } = this.runner;
    if (!mapFile || !unmapFile || !KERNEL_DTYPES.includes(dtype)) return null;
    const alignment = isQuantDType(dtype) ? BLOCK_MAP_ALIGNMENT : elementBytes(dtype);
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % alignment !== 0) return null;
    const buffer = mapFile.call(this.runner, path, byteOffset, dtypeByteLength(dtype, shape));
    const array = isQuantDType(dtype)
      ? new Uint8Array(buffer)
      : dtype === 'float32' ? new Float32Array(buffer) : dtype === 'int32' ? new Int32Array(buffer) : new Uint16Array(buffer);
    return new Tensor(this, new Storage(array, array.byteLength, () => unmapFile.call(this.runner, buffer)), shape, dtype);
  }

  zeros(shape: readonly number[], dtype: DType): Tensor {
    this.ops.assertOpen();
    if (!isDType(dtype)) throw new ArgumentError(`zeros: dtype '${String(dtype)}' is not a cria dtype`);
    const array = this.#alloc(dtype, dtypeArrayLength(dtype, shape, 'zeros: tensor'));
    array.fill(0 as never);
    return this.#tensor(array, shape, dtype);
  }




  dispose(): void {
    if (this.ops.disposed) return;
    this.ops.dispose();
    this.runner.dispose();
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    this.ops.inputs('embedding', { weight, ids });
    const { vocab, hidden, count, outShape } = checkEmbedding(weight, ids);
    const idData = this.data(ids) as Int32Array;
    for (let i = 0; i < count; i++) {
      const id = idData[i]!;
      if (id < 0 || id >= vocab) throw new ArgumentError(`embedding: ids holds ${id} at ${i}, outside [0, ${vocab}) (weight's rows)`);
    }
    const out = this.#f32(count * hidden);
    this.runner.embedding(this.#weight(weight), this.#wtype(weight), vocab, idData, out, count, hidden);
    return this.#output(out, outShape);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.ops.inputs('rmsNorm', { x, weight });
    const { rows, cols } = checkRmsNorm(x, weight, eps);
    const out = this.#f32(rows * cols);
    this.runner.norm(this.#floats(x), null, this.#weight(weight), this.#wtype(weight), null, out, rows, cols, eps);
    return this.#output(out, x.shape);
  }

  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.ops.inputs('addRmsNorm', { a, b, weight });
    const { rows, cols } = checkAddRmsNorm(a, b, weight, eps);
    const sum = this.#f32(rows * cols);
    const out = this.#f32(rows * cols);
    this.runner.norm(this.#floats(a), this.#floats(b), this.#weight(weight), this.#wtype(weight), sum, out, rows, cols, eps);
    return { sum: this.#output(sum, a.shape), normed: this.#output(out, a.shape) };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.ops.inputs('linear', { x, weight, bias });
    const { rows, k, m, outShape } = checkLinear('linear', x, weight, bias);
    const out = this.#f32(rows * m);
    this.runner.linear(this.#floats(x), rows, k, this.#wtype(weight), this.#weight(weight), this.#bias(bias), out, m);
    return this.#output(out, outShape);
  }

  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    this.ops.inputs('linearSiluMul', linearSiluMulInputs(x, gate, up, gateBias, upBias));
    const { rows, k, m, outShape } = checkLinearSiluMul(x, gate, up, gateBias, upBias);
    if (gate.dtype !== up.dtype) return this.#separateGated(x, gate, up, gateBias, upBias);
    const out = this.#f32(rows * m);
    this.runner.gated(this.#floats(x), rows, k, this.#wtype(gate), this.#weight(gate), this.#weight(up), this.#bias(gateBias), this.#bias(upBias), out, m);
    return this.#output(out, outShape);
  }

  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    this.ops.inputs('linearMany', linearManyInputs(x, weights, biases));
    const { rows, k, ms, outShapes } = checkLinearMany(x, weights, biases);
    const outs = ms.map((m) => this.#f32(rows * m));
    if (weights.every((w) => w.dtype === weights[0]!.dtype)) {
      const each = weights.map((w, i) => [this.#weight(w), this.#bias(biases?.[i]), outs[i]!, ms[i]!] as const);
      this.runner.linearMany(this.#floats(x), rows, k, this.#wtype(weights[0]!), each);
    } else {
      weights.forEach((w, i) => this.runner.linear(this.#floats(x), rows, k, this.#wtype(w), this.#weight(w), this.#bias(biases?.[i]), outs[i]!, ms[i]!));
    }
    return outs.map((out, i) => this.#output(out, outShapes[i]!));
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    this.ops.inputs('rope', { x, positions, invFreq });
    const shape = checkRope(x, positions, invFreq, options);
    const { cos, sin } = this.#ropeTable(positions, invFreq, shape.attentionScaling);
    const out = this.#f32(x.size);
    this.runner.rope(this.#floats(x), cos, sin, out, shape.batch * shape.seqLength, shape.numHeads, shape.headDim);
    return this.#output(out, x.shape);
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    this.ops.inputs('kvWrite', { cache, src });
    const s = checkKvWrite(cache, src, offset);
    this.runner.kvWrite(this.#floats(cache), this.#floats(src), s.batch, s.seqLength, s.numKvHeads, s.headDim, s.maxLength, s.offset);
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.ops.inputs('attention', { q, kCache, vCache, 'options.mask': mask });
    const s = checkAttention('attention', q, kCache, vCache, options);
    const out = this.#f32(q.size);
    const { data: maskData, stride } = this.#maskOf(mask);
    this.runner.attention(this.#floats(q), this.#floats(kCache), this.#floats(vCache), maskData, out, null, s.batch, s.seqLength, s.numHeads, s.numKvHeads, s.headDim, s.maxLength, s.kvLength, stride, s.scale);
    return this.#output(out, q.shape);
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.ops.inputs('attentionWeights', { q, kCache, 'options.mask': mask });
    const s = checkAttention('attentionWeights', q, kCache, undefined, options);
    const probs = this.#f32(s.batch * s.numHeads * s.seqLength * s.kvLength);
    const { data: maskData, stride } = this.#maskOf(mask);
    this.runner.attention(this.#floats(q), this.#floats(kCache), null, maskData, null, probs, s.batch, s.seqLength, s.numHeads, s.numKvHeads, s.headDim, s.maxLength, s.kvLength, stride, s.scale);
    return this.#output(probs, [s.batch, s.numHeads, s.seqLength, s.kvLength]);
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    this.ops.inputs('siluMul', { gate, up });
    const n = checkSameShapes('siluMul', ['gate', 'up'], gate, up);
    const out = this.#f32(n);
    this.runner.elementwise(this.#floats(gate), this.#floats(up), out, n, 1);
    return this.#output(out, gate.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.ops.inputs('add', { a, b });
    const n = checkSameShapes('add', ['a', 'b'], a, b);
    const out = this.#f32(n);
    this.runner.elementwise(this.#floats(a), this.#floats(b), out, n, 0);
    return this.#output(out, a.shape);
  }

  softmax(x: Tensor): Tensor {
    this.ops.inputs('softmax', { x });
    const { rows, cols } = checkRows('softmax', 'x', x);
    const out = this.#f32(rows * cols);
    this.runner.softmax(this.#floats(x), out, rows, cols);
    return this.#output(out, x.shape);
  }

  // argmax, topk and cast are exact and cheap next to a forward pass: the reference's kernels serve.
  argmax(x: Tensor): Tensor {
    this.ops.inputs('argmax', { x });
    const { rows, cols } = checkArgmax(x);
    return this.#copyOut(argmaxKernel(this.#floats(x), rows, cols), x.shape.slice(0, -1), 'int32');
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    this.ops.inputs('topk', { x });
    const { rows, cols, outShape } = checkTopk(x, k);
    const { values, indices } = topkKernel(this.#floats(x), rows, cols, k);
    return { values: this.#copyOut(values, outShape, 'float32'), indices: this.#copyOut(indices, outShape, 'int32') };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const t = this.ops.tensor('cast', 'x', x);
    this.ops.dtypes('cast', [t.dtype, checkCastTarget(dtype)]);
    return this.#copyOut(castKernel(this.data(t), t.size, t.dtype as CastDType, dtype as CastDType), t.shape, dtype);
  }

  // ---- memory ----

  /**
   * Memory for `length` elements (bytes for a block format): where the kernels read it for their dtypes, plain host
   * memory for the others.
   */
  #alloc(dtype: DType, length: number): TypedArray {
    if (!KERNEL_DTYPES.includes(dtype)) return allocTypedArray(dtype, length);
    if (dtype === 'float32') return this.runner.alloc('float32', length);
    if (dtype === 'int32') return this.runner.alloc('int32', length);
    if (isQuantDType(dtype)) return this.runner.alloc('uint8', length);
    return this.runner.alloc('uint16', length);
  }

  #f32(length: number): Float32Array {
    return this.runner.alloc('float32', length);
  }

  #tensor(array: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    const free = KERNEL_DTYPES.includes(dtype) ? (a: TypedArray) => this.runner.free(a as Float32Array | Uint8Array) : () => {};
    return new Tensor(this, new Storage(array, array.byteLength, free), shape, dtype);
  }

  #output(data: Float32Array, shape: readonly number[]): Tensor {
    return this.#tensor(data, shape, 'float32');
  }

  /** A host array (from the reference's kernels) copied into the backend's memory. */
  #copyOut(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    const array = this.#alloc(dtype, data.length);
    array.set(data as never);
    return this.#tensor(array, shape, dtype);
  }


  #floats(t: Tensor): Float32Array {
    return this.data(t) as Float32Array;
  }

  #weight(t: Tensor): WeightArray {
    return this.data(t) as WeightArray;
  }

  #wtype(t: Tensor): WType {
    return WTYPE[t.dtype as keyof typeof WTYPE];
  }

  /** A bias as float32 (a float16/bfloat16 one widened once, in the backend's memory). */
  #bias(t: Tensor | undefined): Float32Array | null {
    if (!t) return null;
    if (t.dtype === 'float32') return this.#floats(t);
    return this.#float32Copy(t, () => widened(t));
  }

  /** The mask as float32 [B, stride] (an int32 one converted once). */
  #maskOf(mask: Tensor | undefined): { data: Float32Array | null; stride: number } {
    if (!mask) return { data: null, stride: 0 };
    const stride = mask.shape[mask.shape.length - 1]!;
    if (mask.dtype === 'float32') return { data: this.#floats(mask), stride };
    return { data: this.#float32Copy(mask, () => Float32Array.from(this.data(mask) as Int32Array)), stride };
  }

  #float32Copy(t: Tensor, make: () => Float32Array): Float32Array {
    let copy = this.#asFloat32.get(t);
    if (!copy) {
      copy = this.#f32(t.size);
      copy.set(make());
      this.#asFloat32.set(t, copy);
    }
    return copy;
  }

  /** cos/sin [tokens, headDim / 2] for these positions, computed as the reference computes them, once per positions tensor. */
  #ropeTable(positions: Tensor, invFreq: Tensor, scaling: number): { cos: Float32Array; sin: Float32Array } {
    const kept = this.#ropeTables.get(positions);
    if (kept && kept.invFreq === invFreq && kept.scaling === scaling) return kept;
    const tables = ropeTables(this.data(positions) as Int32Array, this.#floats(invFreq), scaling);
    const cos = this.#f32(tables.cos.length);
    const sin = this.#f32(tables.sin.length);
    cos.set(tables.cos);
    sin.set(tables.sin);
    if (kept) {
      this.runner.free(kept.cos);
      this.runner.free(kept.sin);
    }
    const entry = { invFreq, scaling, cos, sin };
    this.#ropeTables.set(positions, entry);
    return entry;
  }

  /** linear, linear, siluMul where the gate and up weights differ in dtype (the same numbers as the fused kernel). */
  #separateGated(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    const g = this.linear(x, gate, gateBias);
    const u = this.linear(x, up, upBias);
    const out = this.siluMul(g, u);
    g.dispose();
    u.dispose();
    return out;
  }
}
