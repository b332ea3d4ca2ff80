// A second, deliberately naive implementation of every op, written for the tests from the op
// definitions in backend.ts (not from @cria/kernels-cpu): the CPU kernels are checked against it.
import {
  type AttentionOptions,
  type Backend,
  type DType,
  type OpName,
  type RopeOptions,
  type Tensor,
  type TypedArray,
  float16ToFloat32,
  hostData,
  hostTensor,
  shapeSize,
  dequantize,
  isQuantDType,
} from '@cria/core';
import { naiveAttention } from './attention.js';
import { naiveLinear } from './linear.js';
import { bfloat16Value, roundToBfloat16, roundToFloat16 } from './rounding.js';

const last = (t: Tensor): number => t.shape[t.shape.length - 1]!;

const dequantized = new WeakMap<Tensor, Float32Array>();

/** Element i of a tensor as a number (float16 / bfloat16 widened one value at a time; a block format dequantized once). */
function at(t: Tensor, i: number): number {
  const data = hostData(t);
  if (isQuantDType(t.dtype)) {
    let values = dequantized.get(t);
    if (!values) {
      const cols = last(t);
      values = dequantize(t.dtype, (data as Uint8Array).subarray(0, t.byteLength), t.size / cols, cols);
      dequantized.set(t, values);
    }
    return values[i]!;
  }
  if (t.dtype === 'float16') return float16ToFloat32((data as Uint16Array)[i]!);
  if (t.dtype === 'bfloat16') return bfloat16Value((data as Uint16Array)[i]!);
  return (data as Float32Array | Int32Array)[i]!;
}

function values(t: Tensor): number[] {
  return Array.from({ length: t.size }, (_, i) => at(t, i));
}


export class NaiveBackend implements Backend {
  readonly name = 'cpu' as const;

  supports(_op: OpName, _dtypes: readonly DType[]): boolean {
    return true;
  }
  upload(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    return hostTensor(data, shape, dtype, this);
  }
  zeros(shape: readonly number[], dtype: DType): Tensor {
    return hostTensor(new Float32Array(shapeSize(shape)), shape, dtype, this);
  }
  async read(tensor: Tensor): Promise<TypedArray> {
    return hostData(tensor).slice() as TypedArray;
  }
  async synchronize(): Promise<void> {}
  dispose(): void {}

  #f32(data: number[] | Float32Array, shape: readonly number[]): Tensor {
    return hostTensor(Float32Array.from(data), shape, 'float32', this);
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    const hidden = weight.shape[1]!;
    const out: number[] = [];
    for (const id of values(ids)) for (let h = 0; h < hidden; h++) out.push(at(weight, id * hidden + h));
    return this.#f32(out, [...ids.shape, hidden]);
  }

  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    const n = last(x);
    const xs = values(x);
    const out: number[] = [];
    for (let r = 0; r < x.size / n; r++) {
      const row = xs.slice(r * n, (r + 1) * n);
      const meanSquare = row.reduce((s, v) => s + v * v, 0) / n;
      row.forEach((v, i) => out.push((v / Math.sqrt(meanSquare + eps)) * at(weight, i)));
    }
    return this.#f32(out, x.shape);
  }

  addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    const sum = this.add(a, b); // float32, as add rounds it
    return { sum, normed: this.rmsNorm(sum, weight, eps) };
  }

  linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    const [outFeatures, inFeatures] = weight.shape as [number, number];
    const out = naiveLinear(values(x), values(weight), bias ? values(bias) : undefined, x.size / inFeatures, inFeatures, outFeatures);
    return this.#f32(out, [...x.shape.slice(0, -1), outFeatures]);
  }

  linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    return this.siluMul(this.linear(x, gate, gateBias), this.linear(x, up, upBias));
  }

  linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    return weights.map((w, i) => this.linear(x, w, biases?.[i]));
  }

  rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    // The pair (x_i, x_{i+half}) as the complex number x_i + i·x_{i+half}, multiplied by
    // scaling·e^{iθ} with θ = fp32(fp32(position) · invFreq_i) and cos θ, sin θ in float32 as torch gives them.
    const { numHeads, headDim, attentionScaling } = options;
    const half = headDim / 2;
    const out = values(x);
    const tokens = positions.size;
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < numHeads; h++) {
        for (let i = 0; i < half; i++) {
          const theta = Math.fround(Math.fround(at(positions, t)) * at(invFreq, i));
          const re = Math.fround(Math.fround(Math.cos(theta)) * Math.fround(attentionScaling));
          const im = Math.fround(Math.fround(Math.sin(theta)) * Math.fround(attentionScaling));
          const a = (t * numHeads + h) * headDim + i;
          const [xr, xi] = [at(x, a), at(x, a + half)];
          out[a] = xr * re - xi * im;
          out[a + half] = xr * im + xi * re;
        }
      }
    }
    return this.#f32(out, x.shape);
  }

  kvWrite(cache: Tensor, src: Tensor, offset: number): void {
    const [, numKvHeads, maxLength, headDim] = cache.shape as [number, number, number, number];
    const [batch, seq] = src.shape as [number, number, number];
    const data = hostData(cache) as Float32Array;
    for (let b = 0; b < batch; b++)
      for (let s = 0; s < seq; s++)
        for (let h = 0; h < numKvHeads; h++)
          for (let d = 0; d < headDim; d++) {
            data[((b * numKvHeads + h) * maxLength + offset + s) * headDim + d] = at(src, ((b * seq + s) * numKvHeads + h) * headDim + d);
          }
  }

  #attentionArgs(q: Tensor, kCache: Tensor, vCache: Tensor | undefined, options: AttentionOptions) {
    const args = {
      q: hostData(q) as Float32Array,
      k: hostData(kCache) as Float32Array,
      batch: q.shape[0]!,
      seqLength: q.shape[1]!,
      numHeads: options.numHeads,
      numKvHeads: options.numKvHeads,
      headDim: options.headDim,
      maxLength: kCache.shape[2]!,
      kvLength: options.kvLength,
      scale: options.scale,
    };
    return {
      ...args,
      ...(vCache ? { v: hostData(vCache) as Float32Array } : {}),
      ...(options.mask ? { mask: values(options.mask) } : {}),
    };
  }

  attention(q: Tensor, kCache: Tensor, vCache: Tensor, options: AttentionOptions): Tensor {
    const { out } = naiveAttention(this.#attentionArgs(q, kCache, vCache, options));
    return this.#f32(out!, q.shape);
  }

  attentionWeights(q: Tensor, kCache: Tensor, options: AttentionOptions): Tensor {
    const { probs } = naiveAttention(this.#attentionArgs(q, kCache, undefined, options));
    return this.#f32(probs.flat(3), [q.shape[0]!, options.numHeads, q.shape[1]!, options.kvLength]);
  }

  siluMul(gate: Tensor, up: Tensor): Tensor {
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    return this.#f32(values(gate).map((g, i) => g * sigmoid(g) * at(up, i)), gate.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#f32(values(a).map((v, i) => v + at(b, i)), a.shape);
  }

  softmax(x: Tensor): Tensor {
    const n = last(x);
    const out: number[] = [];
    const xs = values(x);
    for (let r = 0; r < x.size / n; r++) {
      const row = xs.slice(r * n, (r + 1) * n);
      const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
      const total = row.reduce((s, v) => s + Math.exp(v - max), 0);
      for (const v of row) out.push(Math.exp(v - max) / total);
    }
    return this.#f32(out, x.shape);
  }

  /** Every row's indices sorted by value, descending, the lower index first on ties. */
  #ranked(x: Tensor): number[][] {
    const n = last(x);
    const xs = values(x);
    return Array.from({ length: x.size / n }, (_, r) =>
      Array.from({ length: n }, (_, i) => i).sort((i, j) => xs[r * n + j]! - xs[r * n + i]! || i - j),
    );
  }

  argmax(x: Tensor): Tensor {
    return hostTensor(Int32Array.from(this.#ranked(x), (order) => order[0]!), x.shape.slice(0, -1), 'int32', this);
  }

  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
    const n = last(x);
    const xs = values(x);
    const chosen = this.#ranked(x).flatMap((order, r) => order.slice(0, k).map((i) => r * n + i));
    const shape = [...x.shape.slice(0, -1), k];
    return {
      values: this.#f32(chosen.map((flat) => xs[flat]!), shape),
      indices: hostTensor(Int32Array.from(chosen, (flat) => flat % n), shape, 'int32', this),
    };
  }

  cast(x: Tensor, dtype: DType): Tensor {
    // torch turns an int32 into a float first (c10::Half / c10::BFloat16 are built from a float).
    const xs = x.dtype === 'int32' && (dtype === 'float16' || dtype === 'bfloat16') ? values(x).map(Math.fround) : values(x);
    switch (dtype) {
      case 'float32':
        return hostTensor(Float32Array.from(xs), x.shape, dtype, this);
      case 'float16':
        return hostTensor(Uint16Array.from(xs, roundToFloat16), x.shape, dtype, this);
      case 'bfloat16':
        return hostTensor(Uint16Array.from(xs, roundToBfloat16), x.shape, dtype, this);
      case 'int32':
        // torch's .to(int32): toward zero; NaN -> 0 and saturation are the cria contract for the edges.
        return hostTensor(Int32Array.from(xs, (v) => (Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))))), x.shape, dtype, this);
      default:
        throw new Error(`naive cast to ${dtype} is not part of the op set`);
    }
  }
}
