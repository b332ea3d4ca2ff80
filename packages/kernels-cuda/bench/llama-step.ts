// A Llama forward pass written directly on the backend ops (what @cria/models does per step), for timing the
// CUDA backend on real model shapes without a checkpoint: random bf16 weights, float32 KV cache.
import type { Tensor } from '@cria/core';
import type { CudaBackend } from '../src/backend.js';
import type { LlamaShape } from './model-shapes.js';

interface Layer {
  inputNorm: Tensor;
  q: Tensor;
  k: Tensor;
  v: Tensor;
  o: Tensor;
  postNorm: Tensor;
  gate: Tensor;
  up: Tensor;
  down: Tensor;
  kCache: Tensor;
  vCache: Tensor;
}

export interface LlamaWeights {
  shape: LlamaShape;
  embed: Tensor;
  layers: Layer[];
  norm: Tensor;
  lmHead: Tensor;
  invFreq: Tensor;
  maxLength: number;
  dispose(): void;
}

/** Fills a new bf16 tensor by repeating one random chunk (uploaded through the pinned staging path). */
function randomBf16(backend: CudaBackend, shape: number[], chunk: Uint16Array): Tensor {
  const t = backend.zeros(shape, 'bfloat16');
  const ptr = t.storage.handle as bigint;
  for (let offset = 0; offset < t.byteLength; offset += chunk.byteLength) {
    const n = Math.min(chunk.byteLength, t.byteLength - offset);
    backend.context.upload(ptr, new Uint16Array(chunk.buffer, 0, n / 2), offset);
  }
  return t;
}

export function randomLlama(backend: CudaBackend, s: LlamaShape, maxLength: number): LlamaWeights {
  const chunk = new Uint16Array(8 << 20);
  let state = 12345;
  for (let i = 0; i < chunk.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    // bf16 of a value in about ±0.03: sign, exponent 121..122, random mantissa
    chunk[i] = ((state >>> 31) << 15) | ((121 + ((state >>> 20) & 1)) << 7) | ((state >>> 8) & 0x7f);
  }
  const ones = backend.upload(new Uint16Array(s.hidden).fill(0x3f80), [s.hidden], 'bfloat16');
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const layers: Layer[] = [];
  for (let i = 0; i < s.layers; i++) {
    layers.push({
      inputNorm: ones.view([s.hidden]),
      q: randomBf16(backend, [q, s.hidden], chunk),
      k: randomBf16(backend, [kv, s.hidden], chunk),
      v: randomBf16(backend, [kv, s.hidden], chunk),
      o: randomBf16(backend, [s.hidden, q], chunk),
      postNorm: ones.view([s.hidden]),
      gate: randomBf16(backend, [s.intermediate, s.hidden], chunk),
      up: randomBf16(backend, [s.intermediate, s.hidden], chunk),
      down: randomBf16(backend, [s.hidden, s.intermediate], chunk),
      kCache: backend.zeros([1, s.kvHeads, maxLength, s.headDim], 'float32'),
      vCache: backend.zeros([1, s.kvHeads, maxLength, s.headDim], 'float32'),
    });
  }
  const embed = randomBf16(backend, [s.vocab, s.hidden], chunk);
  const lmHead = s.tied ? embed.view([s.vocab, s.hidden]) : randomBf16(backend, [s.vocab, s.hidden], chunk);
  const invFreq = backend.upload(Float32Array.from({ length: s.headDim / 2 }, (_, i) => 1 / 500000 ** ((2 * i) / s.headDim)), [s.headDim / 2], 'float32');
  const norm = ones;
  return {
    shape: s,
    embed,
    layers,
    norm,
    lmHead,
    invFreq,
    maxLength,
    dispose() {
      for (const l of layers) for (const t of Object.values(l)) t.dispose();
      for (const t of [embed, lmHead, invFreq, norm]) t.dispose();
    },
  };
}

/** How a step reaches the KV cache: at a host-side position, or at one read on the device (graph replay). */
export interface CacheAccess {
  write(cache: Tensor, src: Tensor): void;
  attend(q: Tensor, k: Tensor, v: Tensor): Tensor;
}

export function hostPosition(backend: CudaBackend, s: LlamaShape, past: number, seq: number): CacheAccess {
  const options = { numHeads: s.heads, numKvHeads: s.kvHeads, headDim: s.headDim, kvLength: past + seq, scale: 1 / Math.sqrt(s.headDim) };
  return {
    write: (cache, src) => backend.kvWrite(cache, src, past),
    attend: (q, k, v) => backend.attention(q, k, v, options),
  };
}

/** offset and kvLength: int32 [1] tensors the caller rewrites before each replay. */
export function devicePosition(backend: CudaBackend, s: LlamaShape, offset: Tensor, kvLength: Tensor): CacheAccess {
  const options = { numHeads: s.heads, numKvHeads: s.kvHeads, headDim: s.headDim, kvLength, scale: 1 / Math.sqrt(s.headDim) };
  return {
    write: (cache, src) => backend.kvWriteAt(cache, src, offset),
    attend: (q, k, v) => backend.attentionAt(q, k, v, options),
  };
}

/**
 * The ops a step runs where @cria/models fuses: q/k/v projection, the MLP's first half, and a residual add with the
 * RMSNorm after it. `fusedOps` runs them as models does (linearMany, linearSiluMul, addRmsNorm: one launch each at
 * decode); `separateOps` as the ops they replace (three linears; linear, linear, siluMul; add then rmsNorm), so the
 * two can be timed against each other on the same weights. Both give the same numbers.
 */
export interface StepOps {
  readonly name: 'fused' | 'separate';
  project(x: Tensor, weights: readonly Tensor[]): Tensor[];
  gatedUp(x: Tensor, gate: Tensor, up: Tensor): Tensor;
  addNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor };
}

export function fusedOps(backend: CudaBackend): StepOps {
  return {
    name: 'fused',
    project: (x, weights) => backend.linearMany(x, weights),
    gatedUp: (x, gate, up) => backend.linearSiluMul(x, gate, up),
    addNorm: (a, b, weight, eps) => backend.addRmsNorm(a, b, weight, eps),
  };
}

export function separateOps(backend: CudaBackend): StepOps {
  return {
    name: 'separate',
    project: (x, weights) => weights.map((weight) => backend.linear(x, weight)),
    gatedUp: (x, gate, up) => {
      const g = backend.linear(x, gate);
      const u = backend.linear(x, up);
      const out = backend.siluMul(g, u);
      g.dispose();
      u.dispose();
      return out;
    },
    addNorm: (a, b, weight, eps) => {
      const sum = backend.add(a, b);
      return { sum, normed: backend.rmsNorm(sum, weight, eps) };
    },
  };
}

/**
 * One forward step over `ids` ([1, S] int32 on the device) at cache offset `past`: returns the argmax id of
 * the last position ([1] int32). Every intermediate is disposed.
 */
export function llamaStep(
  backend: CudaBackend,
  w: LlamaWeights,
  ids: Tensor,
  positions: Tensor,
  past: number,
  cache?: CacheAccess,
  ops: StepOps = fusedOps(backend),
): Tensor {
  const access = cache ?? hostPosition(backend, w.shape, past, ids.shape[1]!);
  const s = w.shape;
  const seq = ids.shape[1]!;
  const eps = 1e-5;
  let x = backend.embedding(w.embed, ids);
  // Each residual add runs with the RMSNorm after it (ops.addNorm; as @cria/models does): the post-attention add with
  // post_attention_layernorm, the MLP add with the next layer's input norm (or, for a single position, the final norm).
  let h = backend.rmsNorm(x, w.layers[0]!.inputNorm, eps);
  let n: Tensor | undefined;
  for (let i = 0; i < w.layers.length; i++) {
    const l = w.layers[i]!;
    // q, k and v (fused: one linearMany, as @cria/models runs them: one segmented matvec launch for a decode step).
    const [q0, k0, v] = ops.project(h, [l.q, l.k, l.v]) as [Tensor, Tensor, Tensor];
    h.dispose();
    const q = backend.rope(q0, positions, w.invFreq, { numHeads: s.heads, headDim: s.headDim, attentionScaling: 1 });
    const k = backend.rope(k0, positions, w.invFreq, { numHeads: s.kvHeads, headDim: s.headDim, attentionScaling: 1 });
    q0.dispose();
    k0.dispose();
    access.write(l.kCache, k);
    access.write(l.vCache, v);
    k.dispose();
    v.dispose();
    const a = access.attend(q, l.kCache, l.vCache);
    q.dispose();
    const o = backend.linear(a, l.o);
    a.dispose();
    const { sum: x1, normed: h2 } = ops.addNorm(x, o, l.postNorm, eps);
    x.dispose();
    o.dispose();
    // The MLP's first half (fused: one linearSiluMul, as @cria/models runs it: one gated matvec for a decode step).
    const m = ops.gatedUp(h2, l.gate, l.up);
    h2.dispose();
    const d = backend.linear(m, l.down);
    m.dispose();
    const nextNorm = w.layers[i + 1]?.inputNorm ?? (seq === 1 ? w.norm : undefined);
    if (nextNorm) {
      const fused = ops.addNorm(x1, d, nextNorm, eps);
      x = fused.sum;
      if (i + 1 < w.layers.length) h = fused.normed;
      else n = fused.normed;
    } else {
      x = backend.add(x1, d);
    }
    x1.dispose();
    d.dispose();
  }
  if (!n) {
    // Several positions: only the last one's logits are needed, so the final norm runs on that row alone.
    const last = sliceLastRow(backend, x, s.hidden);
    n = backend.rmsNorm(last, w.norm, eps);
    last.dispose();
  }
  x.dispose();
  const logits = backend.linear(n, w.lmHead);
  n.dispose();
  const next = backend.argmax(logits);
  logits.dispose();
  return next;
}

function sliceLastRow(backend: CudaBackend, x: Tensor, hidden: number): Tensor {
  const rows = x.size / hidden;
  const out = backend.zeros([1, 1, hidden], 'float32');
  backend.context.copy(out.storage.handle as bigint, (x.storage.handle as bigint) + BigInt((rows - 1) * hidden * 4), hidden * 4);
  return out;
}
