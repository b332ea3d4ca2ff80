// Decode throughput of the WebGPU kernels on a stories110M-shaped model with random weights
// (dim 768, 12 layers, 12 heads, hidden 2048, vocab 32000), against the memory-bandwidth bound
// (weight bytes / measured buffer-copy bandwidth, bytes read + written per second). Builds the step from the backend's ops directly
// (a kernel package does not import @cria/models). Run after `pnpm build`:
//   node bench/decode.mjs [float32|float16|bfloat16] [tokens] [fused|mlp|unfused]
// `fused` (the default) runs attention's q, k and v projections as one linearMany and the MLP's gate and up
// projections and SiLU as one linearSiluMul, as @cria/models does; `unfused` runs them as linear, linear, linear and
// linear, linear, siluMul (to compare in the same time window); `mlp` fuses only the MLP (linearSiluMul, three linears
// for q, k, v), to tell linearMany's share.
import { float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { createBackend } from '../dist/index.js';

const DTYPE = process.argv[2] ?? 'float16';
const TOKENS = Number(process.argv[3] ?? 32);
const MODE = process.argv[4] ?? 'fused';
if (!['fused', 'mlp', 'unfused'].includes(MODE)) throw new Error(`the mode must be 'fused', 'mlp' or 'unfused', got '${MODE}'`);
const DIM = 768, LAYERS = 12, HEADS = 12, KV_HEADS = 12, HEAD_DIM = 64, HIDDEN = 2048, VOCAB = 32000, MAX = TOKENS + 8;

const gpu = await createBackend();
let seed = 1;
function weight(shape, scale = 0.05) {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    values[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  if (DTYPE === 'float16') return gpu.upload(float32ArrayToFloat16(values), shape, 'float16');
  if (DTYPE === 'bfloat16') return gpu.upload(float32ArrayToBfloat16(values), shape, 'bfloat16');
  return gpu.upload(values, shape, 'float32');
}
const ones = (n) => gpu.upload(new Float32Array(n).fill(1), [n], 'float32');

const embed = weight([VOCAB, DIM], 1);
const layers = Array.from({ length: LAYERS }, () => ({
  norm1: ones(DIM), wq: weight([DIM, DIM]), wk: weight([DIM, DIM]), wv: weight([DIM, DIM]), wo: weight([DIM, DIM]),
  norm2: ones(DIM), gate: weight([HIDDEN, DIM]), up: weight([HIDDEN, DIM]), down: weight([DIM, HIDDEN]),
  k: gpu.zeros([1, KV_HEADS, MAX, HEAD_DIM], 'float32'), v: gpu.zeros([1, KV_HEADS, MAX, HEAD_DIM], 'float32'),
}));
const finalNorm = ones(DIM);
const lmHead = weight([VOCAB, DIM]);
const invFreq = gpu.upload(Float32Array.from({ length: HEAD_DIM / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / HEAD_DIM)), [HEAD_DIM / 2], 'float32');
const bytesPer = { float32: 4, float16: 2, bfloat16: 2 }[DTYPE];
const weightBytes = (VOCAB * DIM * 2 + LAYERS * (4 * DIM * DIM + 3 * HIDDEN * DIM)) * bytesPer;
await gpu.synchronize();

function step(token, position) {
  const scope = [];
  const keep = (t) => (scope.push(t), t);
  const ids = keep(gpu.upload(Int32Array.of(token), [1, 1], 'int32'));
  const positions = keep(gpu.upload(Int32Array.of(position), [1, 1], 'int32'));
  let h = gpu.embedding(embed, ids);
  let n1 = keep(gpu.rmsNorm(h, layers[0].norm1, 1e-5));
  let last = null;
  // As @cria/models does: each residual add runs with the norm that follows it (addRmsNorm).
  layers.forEach((l, i) => {
    const [qp, kp, vp] = (MODE === 'fused' ? gpu.linearMany(n1, [l.wq, l.wk, l.wv]) : [l.wq, l.wk, l.wv].map((w) => gpu.linear(n1, w))).map(keep);
    const q = keep(gpu.rope(qp, positions, invFreq, { numHeads: HEADS, headDim: HEAD_DIM, attentionScaling: 1 }));
    const k = keep(gpu.rope(kp, positions, invFreq, { numHeads: KV_HEADS, headDim: HEAD_DIM, attentionScaling: 1 }));
    gpu.kvWrite(l.k, k, position);
    gpu.kvWrite(l.v, vp, position);
    const a = keep(gpu.attention(q, l.k, l.v, { numHeads: HEADS, numKvHeads: KV_HEADS, headDim: HEAD_DIM, kvLength: position + 1, scale: 1 / 8 }));
    const { sum: h2, normed: n2 } = gpu.addRmsNorm(h, keep(gpu.linear(a, l.wo)), l.norm2, 1e-5);
    keep(h);
    keep(n2);
    const gated = MODE !== 'unfused' ? gpu.linearSiluMul(n2, l.gate, l.up) : gpu.siluMul(keep(gpu.linear(n2, l.gate)), keep(gpu.linear(n2, l.up)));
    const mlp = keep(gpu.linear(keep(gated), l.down));
    const next = gpu.addRmsNorm(h2, mlp, layers[i + 1]?.norm1 ?? finalNorm, 1e-5);
    h = next.sum;
    n1 = keep(next.normed);
    last = n1;
    keep(h2);
  });
  keep(h);
  const logits = keep(gpu.linear(last, lmHead));
  const next = gpu.argmax(logits);
  for (const t of scope) t.dispose();
  return next;
}

// Copy bandwidth: copyBufferToBuffer of 128 MiB (reads and writes it), the measure the bound divides by.
const device = gpu.gpuDevice;
const copyBytes = 128 * 1024 * 1024;
const src = device.createBuffer({ size: copyBytes, usage: 0x4 | 0x8 }); // COPY_SRC | COPY_DST
const dst = device.createBuffer({ size: copyBytes, usage: 0x4 | 0x8 });
const copies = 8;
const copy = () => {
  const encoder = device.createCommandEncoder();
  for (let i = 0; i < copies; i++) encoder.copyBufferToBuffer(src, 0, dst, 0, copyBytes);
  device.queue.submit([encoder.finish()]);
  return device.queue.onSubmittedWorkDone();
};
await copy(); // warm-up
let t = performance.now();
await copy();
const bandwidth = (2 * copyBytes * copies) / ((performance.now() - t) / 1000); // bytes read + written per second
src.destroy();
dst.destroy();

let token = 1;
const ids = [];
const times = [];
let dispatchesPerStep = 0;
for (let i = 0; i < TOKENS; i++) {
  const start = performance.now();
  const dispatchesBefore = gpu.stats.dispatches;
  const next = step(token, i);
  dispatchesPerStep = gpu.stats.dispatches - dispatchesBefore;
  token = (await next.toArray())[0];
  ids.push(token);
  next.dispose();
  times.push(performance.now() - start);
}
const steady = times.slice(2).sort((a, b) => a - b);
const median = steady[Math.floor(steady.length / 2)];
const result = {
  device: gpu.description,
  dtype: DTYPE,
  mode: MODE,
  shaderF16: gpu.shaderF16,
  tokens: TOKENS,
  dispatches_per_step: dispatchesPerStep,
  decode_tokens_per_s: 1000 / median,
  median_step_ms: median,
  first_step_ms: times[0],
  weight_bytes: weightBytes,
  copy_bandwidth_bytes_per_s: bandwidth,
  bandwidth_bound_tokens_per_s: bandwidth / weightBytes,
  fraction_of_bound: 1000 / median / (bandwidth / weightBytes),
  buffers_created: gpu.stats.buffersCreated,
  // Greedy ids: fused and unfused runs give the same ones (linearMany and linearSiluMul give the separate ops' numbers).
  ids: ids.join(' '),
};
console.log(JSON.stringify(result, null, 2));
gpu.dispose();
process.exit(0);
