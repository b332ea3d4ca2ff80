// Timings on the device: CUDA events around enqueued work; medians of repeated runs.
import type { Tensor } from '@cria/core';
import type { CudaBackend } from '../src/backend.js';
import { type LlamaWeights, type StepOps, devicePosition, fusedOps, llamaStep, randomLlama, separateOps } from './llama-step.js';
import { LLAMA_2_7B, LLAMA_3_2_1B, type LlamaShape, decodeWeightBytes, matmulFlops } from './model-shapes.js';

async function gpuMs(backend: CudaBackend, work: () => Tensor[] | void, iterations: number): Promise<number> {
  for (const t of work() ?? []) t.dispose();
  await backend.synchronize();
  const a = backend.context.recordTimer();
  for (let i = 0; i < iterations; i++) for (const t of work() ?? []) t.dispose();
  const b = backend.context.recordTimer();
  await backend.synchronize();
  return backend.context.timeSince(a, b) / iterations;
}

function bf16Random(backend: CudaBackend, shape: number[]): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  const chunk = new Uint16Array(Math.min(n, 4 << 20));
  for (let i = 0; i < chunk.length; i++) chunk[i] = 0x3c00 | (i * 2654435761 % 127) | ((i & 1) << 15);
  const t = backend.zeros(shape, 'bfloat16');
  for (let off = 0; off < t.byteLength; off += chunk.byteLength) {
    const bytes = Math.min(chunk.byteLength, t.byteLength - off);
    backend.context.upload(t.storage.handle as bigint, new Uint16Array(chunk.buffer, 0, bytes / 2), off);
  }
  return t;
}

async function copyBandwidth(backend: CudaBackend): Promise<number> {
  const bytes = 1 << 30;
  const src = backend.zeros([bytes / 4], 'float32');
  const dst = backend.zeros([bytes / 4], 'float32');
  const ms = await gpuMs(backend, () => backend.context.copy(dst.storage.handle as bigint, src.storage.handle as bigint, bytes), 20);
  src.dispose();
  dst.dispose();
  const gbps = (2 * bytes) / (ms / 1000) / 1e9;
  console.log(`device-to-device copy 1 GiB: ${ms.toFixed(3)} ms, ${gbps.toFixed(0)} GB/s (read + write)`);
  return gbps;
}

async function matvecRates(backend: CudaBackend, copyGbps: number): Promise<void> {
  const shapes: [number, number][] = [[2048, 2048], [512, 2048], [8192, 2048], [2048, 8192], [128256, 2048], [4096, 4096], [11008, 4096], [4096, 11008], [32000, 4096]];
  for (const [m, k] of shapes) {
    const w = bf16Random(backend, [m, k]);
    const x = backend.upload(new Float32Array(k).fill(0.5), [1, k], 'float32');
    const ms = await gpuMs(backend, () => [backend.linear(x, w)], 50);
    const gbps = (m * k * 2) / (ms / 1000) / 1e9;
    console.log(`matvec bf16 W[${m},${k}] x[1]: ${(ms * 1000).toFixed(1)} us, ${gbps.toFixed(0)} GB/s = ${((100 * gbps) / copyGbps).toFixed(0)}% of copy bandwidth`);
    w.dispose();
    x.dispose();
  }
}

/** linearSiluMul for one decode row (the gated matvec) against linear, linear, siluMul at the MLP shapes. */
async function gatedMatvecRates(backend: CudaBackend, copyGbps: number): Promise<void> {
  for (const [m, k] of [[8192, 2048], [11008, 4096]] as const) {
    const [gate, up] = [bf16Random(backend, [m, k]), bf16Random(backend, [m, k])];
    const x = backend.upload(new Float32Array(k).fill(0.5), [1, k], 'float32');
    const fusedMs = await gpuMs(backend, () => [backend.linearSiluMul(x, gate, up)], 50);
    const apartMs = await gpuMs(backend, () => {
      const [g, u] = [backend.linear(x, gate), backend.linear(x, up)];
      return [g, u, backend.siluMul(g, u)];
    }, 50);
    const gbps = (2 * m * k * 2) / (fusedMs / 1000) / 1e9;
    console.log(`linearSiluMul bf16 gate/up [${m},${k}] x[1]: ${(fusedMs * 1000).toFixed(1)} us, ${gbps.toFixed(0)} GB/s = ${((100 * gbps) / copyGbps).toFixed(0)}% of copy bandwidth; linear, linear, siluMul ${(apartMs * 1000).toFixed(1)} us`);
    for (const t of [gate, up, x]) t.dispose();
  }
}

/** linearMany for one decode row (the segmented matvec) against three linears at attention's q/k/v shapes. */
async function qkvRates(backend: CudaBackend, copyGbps: number): Promise<void> {
  for (const [k, ms] of [[2048, [2048, 512, 512]], [4096, [4096, 4096, 4096]]] as const) {
    const weights = ms.map((m) => bf16Random(backend, [m, k]));
    const x = backend.upload(new Float32Array(k).fill(0.5), [1, k], 'float32');
    const manyMs = await gpuMs(backend, () => backend.linearMany(x, weights), 50);
    const apartMs = await gpuMs(backend, () => weights.map((w) => backend.linear(x, w)), 50);
    const bytes = ms.reduce((sum, m) => sum + m * k * 2, 0);
    const gbps = bytes / (manyMs / 1000) / 1e9;
    console.log(`linearMany bf16 q/k/v W[${ms.join('|')},${k}] x[1]: ${(manyMs * 1000).toFixed(1)} us, ${gbps.toFixed(0)} GB/s = ${((100 * gbps) / copyGbps).toFixed(0)}% of copy bandwidth; three linears ${(apartMs * 1000).toFixed(1)} us`);
    for (const t of [...weights, x]) t.dispose();
  }
}

async function gemmRates(backend: CudaBackend): Promise<void> {
  const shapes: [number, number, number][] = [[2048, 2048, 8192], [2048, 8192, 2048], [2048, 4096, 4096], [2048, 4096, 11008]];
  for (const [rows, k, m] of shapes) {
    const w = bf16Random(backend, [m, k]);
    const x = backend.upload(new Float32Array(rows * k).fill(0.25), [rows, k], 'float32');
    const ms = await gpuMs(backend, () => [backend.linear(x, w)], 10);
    const tflops = (2 * rows * k * m) / (ms / 1000) / 1e12;
    console.log(`gemm bf16 x[${rows},${k}] W[${m},${k}]: ${ms.toFixed(3)} ms, ${tflops.toFixed(1)} TFLOP/s`);
    w.dispose();
    x.dispose();
  }
}

async function llamaRun(backend: CudaBackend, shape: LlamaShape, copyGbps: number, matmulTflops: number | undefined): Promise<void> {
  const prompt = 128;
  const newTokens = 256;
  const prefillLength = 2048;
  const w = randomLlama(backend, shape, prefillLength);
  await backend.synchronize();
  const idsOf = (n: number, start: number) => backend.upload(Int32Array.from({ length: n }, (_, i) => (start + i * 7919) % shape.vocab), [1, n], 'int32');
  const positionsOf = (n: number, start: number) => backend.upload(Int32Array.from({ length: n }, (_, i) => start + i), [1, n], 'int32');

  // Decode: prefill 128 tokens, then 256 greedy steps, each reading its token back (as generate() does).
  let ids = idsOf(prompt, 1);
  let pos = positionsOf(prompt, 0);
  let next = llamaStep(backend, w, ids, pos, 0);
  ids.dispose();
  pos.dispose();
  await backend.read(next);
  const start = performance.now();
  for (let step = 0; step < newTokens; step++) {
    pos = positionsOf(1, prompt + step);
    const token = next.view([1, 1]);
    next.dispose();
    next = llamaStep(backend, w, token, pos, prompt + step);
    token.dispose();
    pos.dispose();
    await backend.read(next);
  }
  const decodeS = (performance.now() - start) / 1000;
  next.dispose();
  const tokS = newTokens / decodeS;
  const boundTokS = (copyGbps * 1e9) / decodeWeightBytes(shape);
  console.log(`${shape.name} decode (batch 1, prompt ${prompt}, ${newTokens} new): ${tokS.toFixed(1)} tok/s; bandwidth bound ${boundTokS.toFixed(1)} tok/s (${(decodeWeightBytes(shape) / 1e9).toFixed(2)} GB/token) -> ${((100 * tokS) / boundTokS).toFixed(0)}%`);

  // The same decode with one step captured as a CUDA graph, once with the fused ops (as @cria/models runs a step) and
  // once with the ops they replace, to tell what the fusion saves on the whole step.
  for (const ops of [separateOps(backend), fusedOps(backend)]) {
    const graphTokS = await graphDecode(backend, w, shape, prompt, newTokens, ops);
    console.log(`${shape.name} decode as a CUDA graph replay, ${ops.name} ops (token fed back on the device): ${graphTokS.toFixed(1)} tok/s -> ${((100 * graphTokS) / boundTokS).toFixed(0)}% of the bandwidth bound`);
  }

  // Prefill: one 2048-token forward pass (cache from slot 0).
  ids = idsOf(prefillLength, 3);
  pos = positionsOf(prefillLength, 0);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    await backend.synchronize();
    const t0 = performance.now();
    const out = llamaStep(backend, w, ids, pos, 0);
    await backend.read(out);
    times.push(performance.now() - t0);
    out.dispose();
  }
  ids.dispose();
  pos.dispose();
  times.sort((a, b) => a - b);
  const prefillS = times[1]! / 1000;
  const flops = matmulFlops(shape, prefillLength);
  const achieved = flops / prefillS / 1e12;
  const vsRate = matmulTflops ? ` = ${((100 * achieved) / matmulTflops).toFixed(0)}% of the measured bf16 matmul rate ${matmulTflops} TFLOP/s` : '';
  console.log(`${shape.name} prefill ${prefillLength} tokens: ${(prefillLength / prefillS).toFixed(0)} tok/s (${(prefillS * 1000).toFixed(1)} ms, ${achieved.toFixed(1)} matmul TFLOP/s${vsRate})`);
  w.dispose();
  await backend.synchronize();
}

/**
 * Decode with one step captured as a CUDA graph that also feeds its argmax back as the next token and advances its
 * own position: the host only replays and reads each token (at most two steps in flight, so a stop-token check would
 * lag by two steps). Returns tokens per second.
 */
async function graphDecode(backend: CudaBackend, w: LlamaWeights, shape: LlamaShape, prompt: number, newTokens: number, ops: StepOps): Promise<number> {
  const token = backend.zeros([1, 1], 'int32');
  const position = backend.zeros([1, 1], 'int32');
  const kvLength = backend.zeros([1], 'int32');
  const offset = position.view([1]);
  backend.write(token, Int32Array.of(7));
  backend.write(position, Int32Array.of(prompt));
  backend.write(kvLength, Int32Array.of(prompt + 1));
  await backend.synchronize();
  backend.beginCapture();
  const out = llamaStep(backend, w, token, position, 0, devicePosition(backend, shape, offset, kvLength), ops);
  backend.copyInto(token, out);
  backend.advance(position);
  backend.advance(kvLength);
  const graph = backend.endCapture();
  const t0 = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let step = 0; step < newTokens; step++) {
    graph.replay();
    pending.push(backend.read(token));
    if (pending.length > 2) await pending.shift();
  }
  await Promise.all(pending);
  const tokS = newTokens / ((performance.now() - t0) / 1000);
  graph.dispose();
  for (const t of [token, position, offset, kvLength, out]) t.dispose();
  return tokS;
}

/** Host time per op: through the backend (checks, Tensor, alloc/free) and straight to the native context. */
async function hostOverhead(backend: CudaBackend): Promise<void> {
  const x = backend.upload(new Float32Array(2048).fill(1), [1, 2048], 'float32');
  const out = backend.zeros([1, 2048], 'float32');
  const n = 20000;
  for (let round = 0; round < 2; round++) {
    await backend.synchronize();
    let t0 = performance.now();
    for (let i = 0; i < n; i++) backend.add(x, x).dispose();
    const viaBackend = ((performance.now() - t0) * 1000) / n;
    await backend.synchronize();
    const px = x.storage.handle as bigint;
    const po = out.storage.handle as bigint;
    t0 = performance.now();
    for (let i = 0; i < n; i++) backend.context.add(px, px, po, 2048);
    const native = ((performance.now() - t0) * 1000) / n;
    await backend.synchronize();
    t0 = performance.now();
    for (let i = 0; i < n; i++) backend.context.free(backend.context.alloc(8192));
    const allocFree = ((performance.now() - t0) * 1000) / n;
    await backend.synchronize();
    if (round === 1) console.log(`host time per op: backend.add ${viaBackend.toFixed(2)} us (native add launch ${native.toFixed(2)} us, alloc+free ${allocFree.toFixed(2)} us)`);
  }
  x.dispose();
  out.dispose();
}

export async function runPerf(backend: CudaBackend, args: string[]): Promise<void> {
  const rateArg = args.find((a) => a.startsWith('--matmul-tflops='));
  const matmulTflops = rateArg ? Number(rateArg.split('=')[1]) : undefined;
  await hostOverhead(backend);
  const copyGbps = await copyBandwidth(backend);
  await matvecRates(backend, copyGbps);
  await gatedMatvecRates(backend, copyGbps);
  await qkvRates(backend, copyGbps);
  await gemmRates(backend);
  for (const shape of [LLAMA_3_2_1B, LLAMA_2_7B]) await llamaRun(backend, shape, copyGbps, matmulTflops);
}
