import type {
  AttentionOptions, AttentionShape, Backend, DType, ReadRange, RopeOptions, Tensor,
  TypedArray, UploadByRangesOptions,
} from '@cria/core';
import {
  ArgumentError, allocTypedArray, checkAddRmsNorm, checkArgmax, checkAttention, checkCastTarget, checkEmbedding, checkKvWrite, checkLinear,
  checkLinearMany, checkLinearSiluMul, checkRangeUpload, checkRmsNorm, checkRope, checkRows, checkSameShapes, checkTopk, checkUploadData, hostTensor, isDType,
  BLOCK_WEIGHT_SIGNATURES, dtypeArrayLength, linearManyInputs, linearSiluMulInputs, readByRanges, shapeSize, withSignatures,
} from '@cria/core';
import { attentionKernel, attentionWeightsKernel } from './ops/attention.js';
import { type CastDType, castKernel } from './ops/cast.js';
import { addKernel, siluMulKernel } from './ops/elementwise.js';
import { embeddingKernel } from './ops/embedding.js';
import { kvWriteKernel } from './ops/kv-write.js';
import { linearKernel } from './ops/linear.js';
import { rmsNormKernel } from './ops/rms-norm.js';
import { ropeKernel } from './ops/rope.js';
import { argmaxKernel, topkKernel } from './ops/select.js';
import { softmaxKernel } from './ops/softmax.js';
import { HostBackend } from './host-backend.js';
import { widened } from './widen.js';

/**
 * The reference backend ('reference'): every op in plain TypeScript over typed arrays, float32 results with
 * float64 accumulation; the oracle the op suite and the goldens judge every other backend against. Work runs at once (there is no queue), so `synchronize` has nothing to wait for.
 */
export class CpuBackend extends HostBackend implements Backend {
  readonly name = 'reference' as const;
  /**
   * The op contract of @cria/core with block-format weights (dequantized to float32 as llama.cpp's dequantize_row_*
   * does): it takes its own tensors and every other host-memory tensor (the file readers', the fast cpu backend's).
   */
  constructor() {
    super((t, self) => (t.owner === self || t.device === 'cpu') && ArrayBuffer.isView(t.storage.handle), withSignatures(BLOCK_WEIGHT_SIGNATURES));
  }


  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    this.ops.assertOpen();
    checkUploadData(data, shape, dtype);
    return hostTensor(data, shape, dtype, this);
  }

  /** Reads the tensor range by range into one new array (see Backend.uploadByRanges). */
  async uploadByRanges(shape: readonly number[], dtype: DType, readRange: ReadRange, options: UploadByRangesOptions = {}): Promise<Tensor> {
    this.ops.assertOpen();
    const { byteLength, chunkBytes } = checkRangeUpload(shape, dtype, options);
    const data = allocTypedArray(dtype, dtypeArrayLength(dtype, shape));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    await readByRanges(readRange, { chunkBytes, byteLength, onProgress: options.onProgress }, (chunk, offset) => bytes.set(chunk, offset));
    this.ops.assertOpen();
    return hostTensor(data, shape, dtype, this);
  }

  zeros(shape: readonly number[], dtype: DType): Tensor {
    this.ops.assertOpen();
    if (!isDType(dtype)) throw new ArgumentError(`zeros: dtype '${String(dtype)}' is not a cria dtype`);
    return hostTensor(allocTypedArray(dtype, dtypeArrayLength(dtype, shape, 'zeros: tensor')), shape, dtype, this);
  }




  dispose(): void {
    this.ops.dispose();
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    this.ops.inputs('embedding', { weight, ids });
    const { vocab, hidden, outShape } = checkEmbedding(weight, ids);
    let out: Float32Array;
    try {
      out = embeddingKernel(widened(weight), vocab, hidden, this.data(ids) as Int32Array);
    } catch (error) {
      if (error instanceof RangeError) throw new ArgumentError(`embedding: ${error.message}`);
      throw error;
    }
    return this.#output(out, outShape);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.ops.inputs('rmsNorm', { x, weight });
    const { rows, cols } = checkRmsNorm(x, weight, eps);
    return this.#output(rmsNormKernel(this.data(x) as Float32Array, rows, cols, widened(weight), eps), x.shape);
  }

  /** add, then rmsNorm over the float32 sums: the same numbers as the two ops. */
  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.ops.inputs('addRmsNorm', { a, b, weight });
    const { rows, cols } = checkAddRmsNorm(a, b, weight, eps);
    const sums = addKernel(this.data(a) as Float32Array, this.data(b) as Float32Array);
    const normed = rmsNormKernel(sums, rows, cols, widened(weight), eps);
    return { sum: this.#output(sums, a.shape), normed: this.#output(normed, a.shape) };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.ops.inputs('linear', { x, weight, bias });
    const { rows, k, m, outShape } = checkLinear('linear', x, weight, bias);
    return this.#output(linearKernel(this.data(x) as Float32Array, rows, k, widened(weight), m, bias ? widened(bias) : undefined), outShape);
  }

  /** linear with gate, linear with up, then siluMul: the same numbers as the three ops. */
  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    this.ops.inputs('linearSiluMul', linearSiluMulInputs(x, gate, up, gateBias, upBias));
    const { rows, k, m, outShape } = checkLinearSiluMul(x, gate, up, gateBias, upBias);
    const data = this.data(x) as Float32Array;
    const gated = linearKernel(data, rows, k, widened(gate), m, gateBias ? widened(gateBias) : undefined);
    const projected = linearKernel(data, rows, k, widened(up), m, upBias ? widened(upBias) : undefined);
    return this.#output(siluMulKernel(gated, projected), outShape);
  }

  /** linear with each weight: the same numbers as the separate ops. */
  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    this.ops.inputs('linearMany', linearManyInputs(x, weights, biases));
    const { rows, k, ms, outShapes } = checkLinearMany(x, weights, biases);
    const data = this.data(x) as Float32Array;
    return weights.map((weight, i) => {
      const bias = biases?.[i];
      return this.#output(linearKernel(data, rows, k, widened(weight), ms[i]!, bias ? widened(bias) : undefined), outShapes[i]!);
    });
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    this.ops.inputs('rope', { x, positions, invFreq });
    const shape = checkRope(x, positions, invFreq, options);
    return this.#output(ropeKernel(this.data(x) as Float32Array, this.data(positions) as Int32Array, this.data(invFreq) as Float32Array, shape), x.shape);
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    this.ops.inputs('kvWrite', { cache, src });
    kvWriteKernel(this.data(cache) as Float32Array, this.data(src) as Float32Array, checkKvWrite(cache, src, offset));
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.ops.inputs('attention', { q, kCache, vCache, 'options.mask': mask });
    const shape = checkAttention('attention', q, kCache, vCache, options);
    const out = attentionKernel(this.data(q) as Float32Array, this.data(kCache) as Float32Array, this.data(vCache) as Float32Array, this.#mask(mask), shape);
    return this.#output(out, q.shape);
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const mask = options?.mask ?? undefined;
    this.ops.inputs('attentionWeights', { q, kCache, 'options.mask': mask });
    const shape: AttentionShape = checkAttention('attentionWeights', q, kCache, undefined, options);
    const out = attentionWeightsKernel(this.data(q) as Float32Array, this.data(kCache) as Float32Array, this.#mask(mask), shape);
    return this.#output(out, [shape.batch, shape.numHeads, shape.seqLength, shape.kvLength]);
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    this.ops.inputs('siluMul', { gate, up });
    checkSameShapes('siluMul', ['gate', 'up'], gate, up);
    return this.#output(siluMulKernel(this.data(gate) as Float32Array, this.data(up) as Float32Array), gate.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.ops.inputs('add', { a, b });
    checkSameShapes('add', ['a', 'b'], a, b);
    return this.#output(addKernel(this.data(a) as Float32Array, this.data(b) as Float32Array), a.shape);
  }

  softmax(x: Tensor): Tensor {
    this.ops.inputs('softmax', { x });
    const { rows, cols } = checkRows('softmax', 'x', x);
    return this.#output(softmaxKernel(this.data(x) as Float32Array, rows, cols), x.shape);
  }

  argmax(x: Tensor): Tensor {
    this.ops.inputs('argmax', { x });
    const { rows, cols } = checkArgmax(x);
    return hostTensor(argmaxKernel(this.data(x) as Float32Array, rows, cols), x.shape.slice(0, -1), 'int32', this);
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    this.ops.inputs('topk', { x });
    const { rows, cols, outShape } = checkTopk(x, k);
    const { values, indices } = topkKernel(this.data(x) as Float32Array, rows, cols, k);
    return { values: this.#output(values, outShape), indices: hostTensor(indices, outShape, 'int32', this) };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    const t = this.ops.tensor('cast', 'x', x);
    this.ops.dtypes('cast', [t.dtype, checkCastTarget(dtype)]);
    return hostTensor(castKernel(this.data(t), t.size, t.dtype as CastDType, dtype as CastDType), t.shape, dtype, this);
  }


  #mask(mask: Tensor | undefined): Float32Array | Int32Array | undefined {
    return mask && (this.data(mask) as Float32Array | Int32Array);
  }

  #output(data: Float32Array, shape: readonly number[]): Tensor {
    return hostTensor(data, shape, 'float32', this);
  }
}
