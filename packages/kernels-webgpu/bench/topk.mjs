// Time of one top-k over a vocabulary-sized row, read-back included: the sampling step of a decode loop.
// Median of RUNS after WARMUP runs. Run after `pnpm build`:
//   node bench/topk.mjs [k] [cols]
import { createBackend } from '../dist/index.js';

const K = Number(process.argv[2] ?? 50);
const COLS = Number(process.argv[3] ?? 128256);
const WARMUP = 3, RUNS = 20;

const gpu = await createBackend();
let seed = 7;
const row = Float32Array.from({ length: COLS }, () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return (seed / 2 ** 32) * 20 - 10;
});
const x = gpu.upload(row, [1, COLS], 'float32');

async function once() {
  const start = performance.now();
  const { values, indices } = gpu.topk(x, K);
  await values.toArray();
  await indices.toArray();
  values.dispose();
  indices.dispose();
  return performance.now() - start;
}

for (let i = 0; i < WARMUP; i++) await once();
const times = [];
for (let i = 0; i < RUNS; i++) times.push(await once());
times.sort((a, b) => a - b);
const readStart = performance.now();
for (let i = 0; i < RUNS; i++) await x.toArray();
const readBack = (performance.now() - readStart) / RUNS;
console.log(`${gpu.description}: top-${K} over [1, ${COLS}]: median ${times[RUNS >> 1].toFixed(2)} ms (min ${times[0].toFixed(2)}, max ${times[RUNS - 1].toFixed(2)}); reading the row back: ${readBack.toFixed(2)} ms`);
gpu.dispose();
