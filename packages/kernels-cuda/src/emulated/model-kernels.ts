// The transformer ops as native/kernels/{linear.cu,rope_kv.cu,attention.cu} define them, in plain loops with float64
// sums (this package's own reference kernels): linear (and its gated and segmented forms), RoPE, the KV-cache write and
// attention. Device-side scalars (kvWrite's offset, attention's kvLength) are read when the op runs.
import { type DevicePtr, type NativeAttentionShape } from '../binding.js';
import type { DeviceMemory } from './device-memory.js';
import { siluTimes } from './elementwise-kernels.js';

/** x [rows, K] · w [M, K]ᵀ (+ bias [M]): each output a float64 dot product plus the bias, rounded once to float32. */
function project(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, rows: number, k: number, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  out.forEach((_, at) => {
    const [r, j] = [Math.floor(at / m), at % m];
    let acc = 0;
    for (let i = 0; i < k; i++) acc += x[r * k + i]! * w[j * k + i]!;
    out[at] = acc + (bias === undefined ? 0 : bias[j]!);
  });
  return out;
}

export function linear(mem: DeviceMemory, a: { x: DevicePtr; weightDtype: number; weight: DevicePtr; biasDtype: number; bias: DevicePtr | null; out: DevicePtr; rows: number; k: number; m: number }): void {
  const { rows, k, m } = a;
  if (rows === 0 || m === 0) return;
  const x = mem.f32('linear', 'x', a.x, rows * k);
  const w = mem.widened('linear', 'weight', a.weightDtype, a.weight, m * k);
  const bias = a.bias === null ? undefined : mem.widened('linear', 'bias', a.biasDtype, a.bias, m);
  const out = mem.f32('linear', 'out', a.out, rows * m);
  out.set(project(x, w, bias, rows, k, m));
}

/**
 * linear.cu's gated matvec (launchLinearSiluMul): both projections as `linear` computes them (float32 results), then
 * siluMul's formula on them. The launch conditions (decode rows, whole 16-byte loads, alignment) are the context's.
 */
export function linearSiluMul(mem: DeviceMemory, a: { x: DevicePtr; weightDtype: number; gate: DevicePtr; up: DevicePtr; biasDtype: number; gateBias: DevicePtr | null; upBias: DevicePtr | null; out: DevicePtr; rows: number; k: number; m: number }): void {
  const { rows, k, m } = a;
  if (rows === 0 || m === 0) return;
  const x = mem.f32('linearSiluMul', 'x', a.x, rows * k);
  const projection = (what: 'gate' | 'up', weight: DevicePtr, bias: DevicePtr | null): Float32Array => {
    const w = mem.widened('linearSiluMul', what, a.weightDtype, weight, m * k);
    const b = bias === null ? undefined : mem.widened('linearSiluMul', `${what}Bias`, a.biasDtype, bias, m);
    return project(x, w, b, rows, k, m);
  };
  const gated = projection('gate', a.gate, a.gateBias);
  const projected = projection('up', a.up, a.upBias);
  const out = mem.f32('linearSiluMul', 'out', a.out, rows * m);
  for (let i = 0; i < rows * m; i++) out[i] = siluTimes(gated[i]!, projected[i]!);
}

/**
 * linear.cu's segmented matvec (launchLinearMany): each weight's output as `linear` computes it. The launch conditions
 * (1 to 4 weights, decode rows, whole 16-byte loads, alignment) are the context's.
 */
export function linearMany(mem: DeviceMemory, a: { x: DevicePtr; weightDtype: number; weights: readonly DevicePtr[]; biasDtype: number; biases: readonly DevicePtr[] | null; outs: readonly DevicePtr[]; ms: readonly number[]; rows: number; k: number }): void {
  a.weights.forEach((weight, i) => {
    linear(mem, { x: a.x, weightDtype: a.weightDtype, weight, biasDtype: a.biasDtype, bias: a.biases?.[i] ?? null, out: a.outs[i]!, rows: a.rows, k: a.k, m: a.ms[i]! });
  });
}

/** Rotate-half RoPE with a float32 angle fp32(position) * invFreq[i], cos and sin in float32 times the scaling. */
export function rope(mem: DeviceMemory, a: { x: DevicePtr; positions: DevicePtr; invFreq: DevicePtr; out: DevicePtr; tokens: number; numHeads: number; headDim: number; attentionScaling: number }): void {
  const { tokens, numHeads, headDim } = a;
  const half = Math.floor(headDim / 2);
  if (tokens * numHeads * half === 0) return;
  const width = numHeads * headDim;
  const x = mem.f32('rope', 'x', a.x, tokens * width);
  const positions = mem.i32('rope', 'positions', a.positions, tokens);
  const invFreq = mem.f32('rope', 'invFreq', a.invFreq, half);
  const out = mem.f32('rope', 'out', a.out, tokens * width);
  const result = new Float32Array(tokens * width);
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(Math.fround(positions[t]!) * invFreq[i]!);
      const c = Math.fround(Math.fround(Math.cos(angle)) * a.attentionScaling);
      const s = Math.fround(Math.fround(Math.sin(angle)) * a.attentionScaling);
      for (let h = 0; h < numHeads; h++) {
        const base = t * width + h * headDim;
        const x1 = x[base + i]!;
        const x2 = x[base + i + half]!;
        result[base + i] = x1 * c - x2 * s;
        result[base + i + half] = x2 * c + x1 * s;
      }
    }
  }
  out.set(result);
}

/**
 * src [B, S, numKvHeads * headDim] into cache [B, numKvHeads, maxLength, headDim] at slots offset .. offset+S-1. The
 * offset is `offsetPtr`'s int32 when given, read now (at replay for a captured write); out of range writes nothing.
 */
export function kvWrite(mem: DeviceMemory, a: { cacheDtype: number; cache: DevicePtr; src: DevicePtr; batch: number; seqLen: number; numKvHeads: number; headDim: number; maxLength: number; offset: number; offsetPtr: DevicePtr | null }): void {
  const { batch, seqLen, numKvHeads, headDim, maxLength } = a;
  const width = numKvHeads * headDim;
  if (batch * seqLen * width === 0) return;
  const offset = a.offsetPtr === null ? a.offset : mem.i32('kvWrite', 'offsetPtr', a.offsetPtr, 1)[0]!;
  if (offset < 0 || offset + seqLen > maxLength) return;
  const src = mem.f32('kvWrite', 'src', a.src, batch * seqLen * width);
  const store = mem.floatStore('kvWrite', 'cache', a.cacheDtype, a.cache, batch * numKvHeads * maxLength * headDim);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < seqLen; s++)
      for (let h = 0; h < numKvHeads; h++)
        for (let d = 0; d < headDim; d++) store(((b * numKvHeads + h) * maxLength + offset + s) * headDim + d, src[(b * seqLen + s) * width + h * headDim + d]!);
}

interface AttentionArgs {
  q: DevicePtr;
  cacheDtype: number;
  k: DevicePtr;
  v: DevicePtr | null;
  mask: DevicePtr | null;
  out: DevicePtr;
  shape: NativeAttentionShape;
  kvLengthPtr: DevicePtr | null;
}

/** The operands of one attention call read from device memory; kvLength read from the device when it lives there. */
function attentionOperands(mem: DeviceMemory, method: string, a: AttentionArgs) {
  const { batch, seqLength, numHeads, numKvHeads, headDim, maxLength } = a.shape;
  // On the device the length is clamped to [seqLength, bound] (attention.cu); the mask then has maxLength columns.
  const kvLength = a.kvLengthPtr === null ? a.shape.kvLength : Math.min(Math.max(mem.i32(method, 'kvLengthPtr', a.kvLengthPtr, 1)[0]!, seqLength), a.shape.kvLength);
  const maskStride = a.kvLengthPtr === null ? a.shape.kvLength : maxLength;
  const cacheSize = batch * numKvHeads * maxLength * headDim;
  const mask = a.mask === null ? null : mem.widened(method, 'mask', a.shape.maskDtype, a.mask, batch * maskStride);
  return {
    kvLength,
    q: mem.f32(method, 'q', a.q, batch * seqLength * numHeads * headDim),
    k: mem.widened(method, 'k', a.cacheDtype, a.k, cacheSize),
    v: a.v === null ? null : mem.widened(method, 'v', a.cacheDtype, a.v, cacheSize),
    /** Whether row b's query at cache slot `slot` sees key slot j: causal, then the padding mask. */
    sees: (b: number, slot: number, j: number): boolean => j <= slot && (mask === null || mask[b * maskStride + j] !== 0),
  };
}

/** A softmax in float64 over scores where -Infinity marks a hidden slot; no visible slot gives all zeros. */
function probabilities(scores: readonly number[]): number[] {
  const top = scores.reduce((best, score) => Math.max(best, score), -Infinity);
  if (top === -Infinity) return scores.map(() => 0);
  const weights = scores.map((score) => Math.exp(score - top));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Visits every query (b, h, s) with its probabilities over the kvLength slots and the cache offset of its kv head
 * (head h reads kv head floor(h * numKvHeads / numHeads), as repeat_kv); q·k summed in float64 and scaled.
 */
function eachQuery(shape: NativeAttentionShape, o: ReturnType<typeof attentionOperands>, visit: (b: number, h: number, s: number, p: number[], kvBase: number) => void): void {
  const { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, scale } = shape;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < numHeads; h++) {
      const kvBase = (b * numKvHeads + Math.floor((h * numKvHeads) / numHeads)) * maxLength * headDim;
      for (let s = 0; s < seqLength; s++) {
        const qAt = ((b * seqLength + s) * numHeads + h) * headDim;
        const slot = o.kvLength - seqLength + s;
        const scores = Array.from({ length: o.kvLength }, (_, j) => {
          if (!o.sees(b, slot, j)) return -Infinity;
          let qk = 0;
          for (let d = 0; d < headDim; d++) qk += o.q[qAt + d]! * o.k[kvBase + j * headDim + d]!;
          return qk * scale;
        });
        visit(b, h, s, probabilities(scores), kvBase);
      }
    }
  }
}

/** Causal grouped-query attention over the cache with the optional padding mask; no visible key gives zeros. */
export function attention(mem: DeviceMemory, a: AttentionArgs): void {
  const { batch, seqLength, numHeads, headDim } = a.shape;
  if (batch * seqLength * numHeads === 0) return;
  const o = attentionOperands(mem, 'attention', a);
  const out = mem.f32('attention', 'out', a.out, batch * seqLength * numHeads * headDim);
  const result = new Float32Array(out.length);
  eachQuery(a.shape, o, (b, h, s, p, kvBase) => {
    const at = ((b * seqLength + s) * numHeads + h) * headDim;
    for (let d = 0; d < headDim; d++) result[at + d] = p.reduce((sum, pj, j) => sum + pj * o.v![kvBase + j * headDim + d]!, 0);
  });
  out.set(result);
}

/** The probabilities [B, numHeads, S, kvLength] (masked slots 0). */
export function attentionWeights(mem: DeviceMemory, a: Omit<AttentionArgs, 'v' | 'kvLengthPtr'>): void {
  const { batch, seqLength, numHeads, kvLength } = a.shape;
  if (batch * seqLength * numHeads === 0 || kvLength === 0) return;
  const o = attentionOperands(mem, 'attentionWeights', { ...a, v: null, kvLengthPtr: null });
  const out = mem.f32('attentionWeights', 'out', a.out, batch * numHeads * seqLength * kvLength);
  const result = new Float32Array(out.length);
  eachQuery(a.shape, o, (b, h, s, p) => result.set(p, ((b * numHeads + h) * seqLength + s) * kvLength));
  out.set(result);
}
