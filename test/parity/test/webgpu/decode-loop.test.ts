// A small greedy decode loop (one attention + MLP block (q, k and v as one linearMany; gate, up and SiLU as linearSiluMul) with tied
// embeddings, f16 weights) run on
// webgpu and on the cpu backend: the same tokens, close logits, no buffer created after warm-up,
// no bind group once the pool has settled (a few steps), and at most two command-buffer submits per
// token (the upload of the token, the read of argmax).
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { type Backend, type Tensor, float32ArrayToFloat16 } from '@cria/core';
import { SeededRandom, relativeError } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '@cria/kernels-webgpu';

const H = 64;
const HEADS = 4;
const KV_HEADS = 2;
const HEAD_DIM = 16;
const FFN = 96;
const VOCAB = 300;
const MAX_LENGTH = 24;

interface Weights {
  embed: Tensor; norm1: Tensor; wq: Tensor; wk: Tensor; wv: Tensor; wo: Tensor;
  norm2: Tensor; gate: Tensor; up: Tensor; down: Tensor; finalNorm: Tensor; invFreq: Tensor;
}

function uploadWeights(backend: Backend): Weights {
  const f16 = (seed: number, shape: number[], amplitude: number) =>
    backend.upload(float32ArrayToFloat16(new SeededRandom(seed).floats(shape[0]! * (shape[1] ?? 1), amplitude)), shape, 'float16');
  return {
    embed: f16(1, [VOCAB, H], 1),
    norm1: f16(2, [H], 1),
    wq: f16(3, [HEADS * HEAD_DIM, H], 0.3),
    wk: f16(4, [KV_HEADS * HEAD_DIM, H], 0.3),
    wv: f16(5, [KV_HEADS * HEAD_DIM, H], 0.3),
    wo: f16(6, [H, HEADS * HEAD_DIM], 0.3),
    norm2: f16(7, [H], 1),
    gate: f16(8, [FFN, H], 0.3),
    up: f16(9, [FFN, H], 0.3),
    down: f16(10, [H, FFN], 0.3),
    finalNorm: f16(11, [H], 1),
    invFreq: backend.upload(Float32Array.from({ length: HEAD_DIM / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / HEAD_DIM)), [HEAD_DIM / 2], 'float32'),
  };
}

/** Runs one token through the block; returns the logits and the argmax (both to be disposed). */
function step(backend: Backend, w: Weights, caches: { k: Tensor; v: Tensor }, token: number, position: number): { logits: Tensor; next: Tensor } {
  const scope: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (scope.push(t), t);
  const ids = keep(backend.upload(Int32Array.of(token), [1, 1], 'int32'));
  const positions = keep(backend.upload(Int32Array.of(position), [1, 1], 'int32'));
  const h = keep(backend.embedding(w.embed, ids));
  const n1 = keep(backend.rmsNorm(h, w.norm1, 1e-5));
  const [qProjected, kProjected, vProjected] = backend.linearMany(n1, [w.wq, w.wk, w.wv]).map(keep) as [Tensor, Tensor, Tensor];
  const q = keep(backend.rope(qProjected, positions, w.invFreq, { numHeads: HEADS, headDim: HEAD_DIM, attentionScaling: 1 }));
  const k = keep(backend.rope(kProjected, positions, w.invFreq, { numHeads: KV_HEADS, headDim: HEAD_DIM, attentionScaling: 1 }));
  backend.kvWrite(caches.k, k, position);
  backend.kvWrite(caches.v, vProjected, position);
  const attended = keep(backend.attention(q, caches.k, caches.v, { numHeads: HEADS, numKvHeads: KV_HEADS, headDim: HEAD_DIM, kvLength: position + 1, scale: 1 / Math.sqrt(HEAD_DIM) }));
  const h2 = keep(backend.add(h, keep(backend.linear(attended, w.wo))));
  const n2 = keep(backend.rmsNorm(h2, w.norm2, 1e-5));
  const mlp = keep(backend.linear(keep(backend.linearSiluMul(n2, w.gate, w.up)), w.down));
  const h3 = keep(backend.add(h2, mlp));
  const logits = backend.linear(keep(backend.rmsNorm(h3, w.finalNorm, 1e-5)), w.embed);
  const next = backend.argmax(logits);
  for (const t of scope) t.dispose();
  return { logits, next };
}

async function decode(backend: Backend, steps: number, onStep: (i: number) => void = () => {}): Promise<{ tokens: number[]; lastLogits: Float32Array }> {
  const w = uploadWeights(backend);
  const caches = { k: backend.zeros([1, KV_HEADS, MAX_LENGTH, HEAD_DIM], 'float32'), v: backend.zeros([1, KV_HEADS, MAX_LENGTH, HEAD_DIM], 'float32') };
  const tokens = [7];
  let lastLogits: Float32Array = new Float32Array(0);
  for (let i = 0; i < steps; i++) {
    const { logits, next } = step(backend, w, caches, tokens[tokens.length - 1]!, i);
    tokens.push((await next.toArray())[0] as number);
    if (i === steps - 1) lastLogits = (await logits.toArray()) as Float32Array;
    logits.dispose();
    next.dispose();
    onStep(i);
  }
  for (const t of [...Object.values(w), caches.k, caches.v]) t.dispose();
  return { tokens, lastLogits };
}

describe('a decode loop on webgpu', () => {
  let gpu: WebGpuBackend;
  let cpu: Backend;
  beforeAll(async () => {
    gpu = await WebGpuBackend.create();
    cpu = await createCpuBackend();
  });
  afterAll(() => {
    gpu?.dispose();
    cpu?.dispose();
  });

  it('picks the same tokens as the cpu backend, allocates nothing after warm-up and submits at most twice a token', async () => {
    const steps = 12;
    const expected = await decode(cpu, steps);
    const created: number[] = [];
    const bindGroups: number[] = [];
    const submits: number[] = [];
    const times: number[] = [];
    let last = performance.now();
    const actual = await decode(gpu, steps, () => {
      times.push(performance.now() - last);
      last = performance.now();
      created.push(gpu.stats.buffersCreated);
      bindGroups.push(gpu.stats.bindGroupsCreated);
      submits.push(gpu.stats.submits);
    });
    console.log(`tokens ${actual.tokens.join(' ')}; ms per step ${times.map((t) => t.toFixed(1)).join(' ')}; buffers created after each step ${created.join(' ')}; bind groups ${bindGroups.join(' ')}`);
    expect(new Set(expected.tokens).size).toBeGreaterThan(3); // the loop really moves between tokens
    expect(actual.tokens).toEqual(expected.tokens);
    expect(relativeError(actual.lastLogits, expected.lastLogits)).toBeLessThan(1e-5);
    // Warm-up: the first two steps fill the pool; after that no step creates a buffer.
    expect(created.slice(2).every((n) => n === created[1])).toBe(true);
    // Nor, once the pool's free lists have settled (a few steps), a bind group: the same dispatches reuse cached ones.
    expect(bindGroups.slice(6).every((n) => n === bindGroups[5])).toBe(true);
    for (let i = 1; i < steps; i++) expect(submits[i]! - submits[i - 1]!).toBeLessThanOrEqual(2);
  });
});
