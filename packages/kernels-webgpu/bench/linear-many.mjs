// linearMany against one linear per weight, the same inputs, interleaved: attention's q, k and v projections of
// one x. Run after `pnpm build`:
//   node bench/linear-many.mjs [float32|float16|bfloat16] [rows] [shape] [repeats]
// shape `stories110M` (q, k, v [768, 768]) or `llama1B` (q [2048, 2048], k and v [512, 2048]); rows 1 is decode
// (the segmented matrix-vector kernel, one dispatch), more than 8 prefill (the segmented tiled kernel). Prints the
// median milliseconds of each way (each sample: the projections then a synchronize) and whether the outputs agree
// bit for bit.
import { float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { createBackend } from '../dist/index.js';

const DTYPE = process.argv[2] ?? 'float16';
const ROWS = Number(process.argv[3] ?? 1);
const SHAPE = process.argv[4] ?? 'stories110M';
const REPEATS = Number(process.argv[5] ?? 9);
const SHAPES = { stories110M: [768, [768, 768, 768]], llama1B: [2048, [2048, 512, 512]] };
if (!SHAPES[SHAPE]) throw new Error(`shape must be one of ${Object.keys(SHAPES).join(', ')}, got '${SHAPE}'`);
const [K, MS] = SHAPES[SHAPE];

const gpu = await createBackend();
let seed = 1;
function values(n, scale) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
function weight(shape) {
  const v = values(shape[0] * shape[1], 0.05);
  if (DTYPE === 'float16') return gpu.upload(float32ArrayToFloat16(v), shape, 'float16');
  if (DTYPE === 'bfloat16') return gpu.upload(float32ArrayToBfloat16(v), shape, 'bfloat16');
  return gpu.upload(v, shape, 'float32');
}
const x = gpu.upload(values(ROWS * K, 1), [ROWS, K], 'float32');
const weights = MS.map((m) => weight([m, K]));
await gpu.synchronize();

const ways = {
  linearMany: () => gpu.linearMany(x, weights),
  linear: () => weights.map((w) => gpu.linear(x, w)),
};
async function sample(run) {
  const start = performance.now();
  const outs = run();
  await gpu.synchronize();
  const ms = performance.now() - start;
  for (const t of outs) t.dispose();
  return ms;
}
const times = { linearMany: [], linear: [] };
for (const run of Object.values(ways)) await sample(run); // warm-up: pipelines, pool
for (let i = 0; i < REPEATS; i++) {
  // Interleaved, the order alternating, so drift of the shared machine falls on both.
  const order = i % 2 === 0 ? ['linearMany', 'linear'] : ['linear', 'linearMany'];
  for (const name of order) times[name].push(await sample(ways[name]));
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const fused = ways.linearMany();
const apart = ways.linear();
let differing = 0;
for (let i = 0; i < fused.length; i++) {
  const a = new Uint32Array((await fused[i].toArray()).buffer);
  const b = new Uint32Array((await apart[i].toArray()).buffer);
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) differing++;
}
console.log(JSON.stringify({
  device: gpu.description, dtype: DTYPE, rows: ROWS, shape: SHAPE, k: K, ms: MS, repeats: REPEATS,
  linearMany_median_ms: median(times.linearMany), linear_median_ms: median(times.linear), values_differing_in_bits: differing,
}));
gpu.dispose();
process.exit(0);
