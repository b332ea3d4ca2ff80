import {
  type AttentionOptions,
  type Backend,
  type CopyBandwidth,
  type CopyBandwidthMeasure,
  type CopyBandwidthOptions,
  type DType,
  type OpName,
  type RopeOptions,
  type Tensor,
  type TypedArray,
  type UploadByRangesOptions,
  ArgumentError,
  CriaError,
  UnsupportedOpError,
  allocTypedArray,
  hostTensor,
  isDType,
  shapeSize,
} from '@cria/core';
import { attentionKernel, attentionWeightsKernel, type AttentionShape } from './ops/attention.js';
import { type CastDType, castKernel } from './ops/cast.js';
import { addKernel, siluMulKernel } from './ops/elementwise.js';
import { embeddingKernel } from './ops/embedding.js';
import { kvWriteKernel } from './ops/kv-write.js';
import { linearKernel } from './ops/linear.js';
import { rmsNormKernel } from './ops/rms-norm.js';
import { ropeKernel } from './ops/rope.js';
import { argmaxKernel, topkKernel } from './ops/select.js';
import { softmaxKernel } from './ops/softmax.js';
import { cpuSupports } from './supports.js';
import {
  lastDim,
  requireDim,
  requireDType,
  requireFinite,
  requireHost,
  requireMinRank,
  requireNonNegativeInt,
  requirePositiveInt,
  requireRank,
  requireSameShape,
  rowsOf,
} from './validate.js';
import { fillByRanges } from './upload-by-ranges.js';
import { measureHostCopyBandwidth } from './copy-bandwidth.js';
import { widened } from './widen.js';

const ARRAY_OF_DTYPE: Record<DType, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  bfloat16: 'Uint16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  bool: 'Uint8Array',
  float64: 'Float64Array',
};

/**
 * The reference backend: every op in plain TypeScript over typed arrays, float32 results with
 * float64 accumulation. Work runs at once (there is no queue), so `synchronize` has nothing to wait for.
 */
export class CpuBackend implements Backend, CopyBandwidthMeasure {
  readonly name = 'cpu' as const;
  #disposed = false;

  supports(op: OpName, dtypes: readonly DType[]): boolean {
    return cpuSupports(op, dtypes);
  }

  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    this.#alive();
    if (!isDType(dtype)) throw new ArgumentError(`upload: dtype '${String(dtype)}' is not a cria dtype`);
    if (!ArrayBuffer.isView(data) || data.constructor.name !== ARRAY_OF_DTYPE[dtype]) {
      throw new ArgumentError(`upload: data for dtype ${dtype} must be a ${ARRAY_OF_DTYPE[dtype]}, got ${data?.constructor?.name ?? typeof data}`);
    }
    return hostTensor(data, shape, dtype, this);
  }

  /** Reads the tensor range by range into one new array (see Backend.uploadByRanges). */
  async uploadByRanges(
    shape: readonly number[],
    dtype: DType,
    readRange: (offset: number, length: number) => Promise<Uint8Array>,
    options: UploadByRangesOptions = {},
  ): Promise<Tensor> {
    this.#alive();
    const data = await fillByRanges(shape, dtype, readRange, options);
    this.#alive();
    return hostTensor(data, shape, dtype, this);
  }

  zeros(shape: readonly number[], dtype: DType): Tensor {
    this.#alive();
    if (!isDType(dtype)) throw new ArgumentError(`zeros: dtype '${String(dtype)}' is not a cria dtype`);
    return hostTensor(allocTypedArray(dtype, shapeSize(shape)), shape, dtype, this);
  }

  async read(tensor: Tensor): Promise<TypedArray> {
    const t = requireHost('read', 'tensor', tensor);
    return (t.storage.handle as TypedArray).slice(0, t.size) as TypedArray;
  }

  async synchronize(): Promise<void> {}

  /** Host-memory copy bandwidth (TypedArray.prototype.set between two buffers; see CopyBandwidthMeasure). */
  async measureCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
    this.#alive();
    return measureHostCopyBandwidth(bytes, options);
  }

  dispose(): void {
    this.#disposed = true;
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    this.#check('embedding', { weight, ids });
    requireRank('embedding', 'weight', weight, 2);
    const [vocab, hidden] = weight.shape as [number, number];
    let out: Float32Array;
    try {
      out = embeddingKernel(widened(weight), vocab, hidden, this.#data(ids) as Int32Array);
    } catch (error) {
      if (error instanceof RangeError) throw new ArgumentError(`embedding: ${error.message}`);
      throw error;
    }
    return this.#output(out, [...ids.shape, hidden]);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.#check('rmsNorm', { x, weight });
    requireMinRank('rmsNorm', 'x', x, 1);
    requireRank('rmsNorm', 'weight', weight, 1);
    requireDim('rmsNorm', 'weight', weight, 0, lastDim(x), "x's last dimension");
    requireFinite('rmsNorm', 'eps', eps);
    if (eps < 0) throw new ArgumentError(`rmsNorm: eps must be >= 0, got ${eps}`);
    return this.#output(rmsNormKernel(this.#data(x) as Float32Array, rowsOf(x), lastDim(x), widened(weight), eps), x.shape);
  }

  /** add, then rmsNorm over the float32 sums: the same numbers as the two ops. */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.#check('addRmsNorm', { a, b, weight });
    requireSameShape('addRmsNorm', 'a', a, 'b', b);
    requireMinRank('addRmsNorm', 'a', a, 1);
    requireRank('addRmsNorm', 'weight', weight, 1);
    requireDim('addRmsNorm', 'weight', weight, 0, lastDim(a), "a's last dimension");
    requireFinite('addRmsNorm', 'eps', eps);
    if (eps < 0) throw new ArgumentError(`addRmsNorm: eps must be >= 0, got ${eps}`);
    const sums = addKernel(this.#data(a) as Float32Array, this.#data(b) as Float32Array);
    const normed = rmsNormKernel(sums, rowsOf(a), lastDim(a), widened(weight), eps);
    return { sum: this.#output(sums, a.shape), normed: this.#output(normed, a.shape) };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.#check('linear', bias == null ? { x, weight } : { x, weight, bias });
    const [outFeatures, inFeatures] = this.#linearShape('linear', x, 'weight', weight, 'bias', bias);
    const out = linearKernel(this.#data(x) as Float32Array, rowsOf(x), inFeatures, widened(weight), outFeatures, bias ? widened(bias) : undefined);
    return this.#output(out, [...x.shape.slice(0, -1), outFeatures]);
  }

  /** linear with gate, linear with up, then siluMul: the same numbers as the three ops. */
  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    if ((gateBias == null) !== (upBias == null)) {
      throw new ArgumentError(`linearSiluMul: gateBias and upBias must be given together, got ${gateBias == null ? 'upBias alone' : 'gateBias alone'}`);
    }
    this.#check('linearSiluMul', gateBias == null || upBias == null ? { x, gate, up } : { x, gate, up, gateBias, upBias });
    const [outFeatures, inFeatures] = this.#linearShape('linearSiluMul', x, 'gate', gate, 'gateBias', gateBias);
    this.#linearShape('linearSiluMul', x, 'up', up, 'upBias', upBias);
    requireSameShape('linearSiluMul', 'gate', gate, 'up', up);
    const data = this.#data(x) as Float32Array;
    const rows = rowsOf(x);
    const gated = linearKernel(data, rows, inFeatures, widened(gate), outFeatures, gateBias ? widened(gateBias) : undefined);
    const projected = linearKernel(data, rows, inFeatures, widened(up), outFeatures, upBias ? widened(upBias) : undefined);
    return this.#output(siluMulKernel(gated, projected), [...x.shape.slice(0, -1), outFeatures]);
  }

  /** linear with each weight: the same numbers as the separate ops. */
  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    if (!Array.isArray(weights) || weights.length === 0) throw new ArgumentError('linearMany: weights must be a non-empty array of tensors');
    if (biases !== undefined && (!Array.isArray(biases) || biases.length !== weights.length)) {
      throw new ArgumentError(`linearMany: biases must hold one tensor for each of the ${weights.length} weights, or be left out`);
    }
    const inputs: Record<string, Tensor> = { x };
    weights.forEach((w, i) => (inputs[`weights[${i}]`] = w));
    biases?.forEach((b, i) => (inputs[`biases[${i}]`] = b));
    this.#check('linearMany', inputs);
    const data = this.#data(x) as Float32Array;
    const rows = rowsOf(x);
    return weights.map((weight, i) => {
      const bias = biases?.[i];
      const [outFeatures, inFeatures] = this.#linearShape('linearMany', x, `weights[${i}]`, weight, `biases[${i}]`, bias);
      const out = linearKernel(data, rows, inFeatures, widened(weight), outFeatures, bias ? widened(bias) : undefined);
      return this.#output(out, [...x.shape.slice(0, -1), outFeatures]);
    });
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    this.#check('rope', { x, positions, invFreq });
    const numHeads = requirePositiveInt('rope', 'options.numHeads', options?.numHeads);
    const headDim = requirePositiveInt('rope', 'options.headDim', options?.headDim);
    const attentionScaling = requireFinite('rope', 'options.attentionScaling', options?.attentionScaling);
    if (headDim % 2 !== 0) throw new ArgumentError(`rope: options.headDim must be even, got ${headDim}`);
    requireRank('rope', 'x', x, 3);
    const [batch, seqLength] = x.shape as [number, number, number];
    requireDim('rope', 'x', x, 2, numHeads * headDim, 'numHeads * headDim');
    requireRank('rope', 'positions', positions, 2);
    requireDim('rope', 'positions', positions, 0, batch, "x's batch");
    requireDim('rope', 'positions', positions, 1, seqLength, "x's sequence length");
    requireRank('rope', 'invFreq', invFreq, 1);
    requireDim('rope', 'invFreq', invFreq, 0, headDim / 2, 'headDim / 2');
    const out = ropeKernel(this.#data(x) as Float32Array, this.#data(positions) as Int32Array, this.#data(invFreq) as Float32Array, {
      batch,
      seqLength,
      numHeads,
      headDim,
      attentionScaling,
    });
    return this.#output(out, x.shape);
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    this.#check('kvWrite', { cache, src });
    requireRank('kvWrite', 'cache', cache, 4);
    const [batch, numKvHeads, maxLength, headDim] = cache.shape as [number, number, number, number];
    requireRank('kvWrite', 'src', src, 3);
    requireDim('kvWrite', 'src', src, 0, batch, "cache's batch");
    requireDim('kvWrite', 'src', src, 2, numKvHeads * headDim, "cache's numKvHeads * headDim");
    const seqLength = src.shape[1]!;
    requireNonNegativeInt('kvWrite', 'offset', offset);
    if (offset + seqLength > maxLength) {
      throw new ArgumentError(`kvWrite: offset ${offset} + ${seqLength} new slots exceeds the cache's maxLength ${maxLength}`);
    }
    kvWriteKernel(this.#data(cache) as Float32Array, { batch, numKvHeads, maxLength, headDim }, this.#data(src) as Float32Array, seqLength, offset);
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.#check('attention', mask === undefined ? { q, kCache, vCache } : { q, kCache, vCache, 'options.mask': mask });
    requireSameShape('attention', 'kCache', kCache, 'vCache', vCache);
    const shape = this.#attentionShape('attention', q, kCache, options);
    const out = attentionKernel(this.#data(q) as Float32Array, this.#data(kCache) as Float32Array, this.#data(vCache) as Float32Array, mask && this.#data(mask) as Float32Array | Int32Array, shape);
    return this.#output(out, q.shape);
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.#check('attentionWeights', mask === undefined ? { q, kCache } : { q, kCache, 'options.mask': mask });
    const shape = this.#attentionShape('attentionWeights', q, kCache, options);
    const out = attentionWeightsKernel(this.#data(q) as Float32Array, this.#data(kCache) as Float32Array, mask && this.#data(mask) as Float32Array | Int32Array, shape);
    return this.#output(out, [shape.batch, shape.numHeads, shape.seqLength, shape.kvLength]);
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    this.#check('siluMul', { gate, up });
    requireSameShape('siluMul', 'gate', gate, 'up', up);
    return this.#output(siluMulKernel(this.#data(gate) as Float32Array, this.#data(up) as Float32Array), gate.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.#check('add', { a, b });
    requireSameShape('add', 'a', a, 'b', b);
    return this.#output(addKernel(this.#data(a) as Float32Array, this.#data(b) as Float32Array), a.shape);
  }

  softmax(x: Tensor): Tensor {
    this.#check('softmax', { x });
    requireMinRank('softmax', 'x', x, 1);
    return this.#output(softmaxKernel(this.#data(x) as Float32Array, rowsOf(x), lastDim(x)), x.shape);
  }

  argmax(x: Tensor): Tensor {
    this.#check('argmax', { x });
    requireMinRank('argmax', 'x', x, 1);
    if (lastDim(x) === 0) throw new ArgumentError(`argmax: x [${x.shape.join(', ')}] has an empty last dimension`);
    return hostTensor(argmaxKernel(this.#data(x) as Float32Array, rowsOf(x), lastDim(x)), x.shape.slice(0, -1), 'int32', this);
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    this.#check('topk', { x });
    requireMinRank('topk', 'x', x, 1);
    requireNonNegativeInt('topk', 'k', k);
    if (k > lastDim(x)) throw new ArgumentError(`topk: k = ${k} exceeds x's last dimension ${lastDim(x)}`);
    const { values, indices } = topkKernel(this.#data(x) as Float32Array, rowsOf(x), lastDim(x), k);
    const shape = [...x.shape.slice(0, -1), k];
    return { values: this.#output(values, shape), indices: hostTensor(indices, shape, 'int32', this) };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const t = requireHost('cast', 'x', x);
    this.#alive();
    if (!isDType(dtype)) throw new ArgumentError(`cast: dtype '${String(dtype)}' is not a cria dtype`);
    if (!cpuSupports('cast', [t.dtype, dtype])) throw new UnsupportedOpError(this.name, 'cast', [t.dtype, dtype]);
    const out = castKernel(this.#data(t), t.size, t.dtype as CastDType, dtype as CastDType);
    return hostTensor(out, t.shape, dtype, this);
  }

  #attentionShape(op: string, q: Tensor, kCache: Tensor, options: AttentionOptions): AttentionShape {
    const numHeads = requirePositiveInt(op, 'options.numHeads', options?.numHeads);
    const numKvHeads = requirePositiveInt(op, 'options.numKvHeads', options.numKvHeads);
    const headDim = requirePositiveInt(op, 'options.headDim', options.headDim);
    const kvLength = requireNonNegativeInt(op, 'options.kvLength', options.kvLength);
    const scale = requireFinite(op, 'options.scale', options.scale);
    if (numHeads % numKvHeads !== 0) {
      throw new ArgumentError(`${op}: options.numHeads (${numHeads}) must be a multiple of options.numKvHeads (${numKvHeads})`);
    }
    requireRank(op, 'q', q, 3);
    const [batch, seqLength] = q.shape as [number, number, number];
    requireDim(op, 'q', q, 2, numHeads * headDim, 'numHeads * headDim');
    requireRank(op, 'kCache', kCache, 4);
    requireDim(op, 'kCache', kCache, 0, batch, "q's batch");
    requireDim(op, 'kCache', kCache, 1, numKvHeads, 'numKvHeads');
    requireDim(op, 'kCache', kCache, 3, headDim, 'headDim');
    const maxLength = kCache.shape[2]!;
    if (kvLength > maxLength) throw new ArgumentError(`${op}: options.kvLength ${kvLength} exceeds the cache's maxLength ${maxLength}`);
    if (kvLength < seqLength) throw new ArgumentError(`${op}: options.kvLength ${kvLength} must be at least q's sequence length ${seqLength}`);
    const mask = options.mask ?? undefined;
    if (mask) {
      requireRank(op, 'options.mask', mask, 2);
      requireDim(op, 'options.mask', mask, 0, batch, "q's batch");
      requireDim(op, 'options.mask', mask, 1, kvLength, 'kvLength');
    }
    return { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength, scale };
  }

  /** Checks that the backend is alive, that each input is a live host tensor and that the dtypes are supported. */
  #check(op: OpName, inputs: Record<string, Tensor>): void {
    this.#alive();
    const dtypes = Object.entries(inputs).map(([arg, t]) => requireHost(op, arg, t).dtype);
    if (!cpuSupports(op, dtypes)) throw new UnsupportedOpError(this.name, op, dtypes);
  }

  /** Checks x [..., K], a weight [M, K] and its optional bias [M] for `op`; returns [M, K]. */
  #linearShape(op: OpName, x: Tensor, weightName: string, weight: Tensor, biasName: string, bias: Tensor | undefined): [number, number] {
    requireMinRank(op, 'x', x, 1);
    requireRank(op, weightName, weight, 2);
    const [outFeatures, inFeatures] = weight.shape as [number, number];
    requireDim(op, 'x', x, -1, inFeatures, `${weightName}'s in_features, ${weightName}.shape[1]`);
    if (bias != null) {
      requireRank(op, biasName, bias, 1);
      requireDim(op, biasName, bias, 0, outFeatures, `${weightName}'s out_features, ${weightName}.shape[0]`);
    }
    return [outFeatures, inFeatures];
  }

  #data(t: Tensor): TypedArray {
    const data = t.storage.handle as TypedArray;
    return data.length === t.size ? data : (data.subarray(0, t.size) as TypedArray);
  }

  #output(data: Float32Array, shape: readonly number[]): Tensor {
    return hostTensor(data, shape, 'float32', this);
  }

  #alive(): void {
    if (this.#disposed) throw new CriaError('the cpu backend was disposed; create a new one');
  }
}
