// Timings of the reference kernels at model shapes (not a test). Build first:
//   pnpm --filter @cria/core build && pnpm --filter @cria/kernels-cpu build
// then at the repository root: node packages/kernels-cpu/bench/ops.mjs
import { float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { createBackend } from '@cria/kernels-cpu';

const cpu = await createBackend();
const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

function median(fn, repeats) {
  for (let i = 0; i < 3; i++) fn(); // warm-up: JIT tiers, and for half weights the one-time widening
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function weight(m, k, dtype) {
  const values = random(m * k);
  const data = dtype === 'float16' ? float32ArrayToFloat16(values) : dtype === 'bfloat16' ? float32ArrayToBfloat16(values) : values;
  return cpu.upload(data, [m, k], dtype);
}

console.log('op                                        dtype     median ms   GFLOP/s');
for (const [label, rows, m, k] of [
  ['linear decode 1x768 · 2048x768 (stories110M w1)', 1, 2048, 768],
  ['linear decode 1x768 · 32000x768 (lm_head)', 1, 32000, 768],
  ['linear prefill 128x768 · 768x768 (wq)', 128, 768, 768],
  ['linear decode 1x16 · 128256x16 (tiny llama3 lm_head)', 1, 128256, 16],
]) {
  for (const dtype of ['float32', 'float16', 'bfloat16']) {
    const x = cpu.upload(random(rows * k), [rows, k], 'float32');
    const w = weight(m, k, dtype);
    const ms = median(() => cpu.linear(x, w).dispose(), 5);
    console.log(`${label.padEnd(52)} ${dtype.padEnd(9)} ${ms.toFixed(2).padStart(9)} ${((2 * rows * m * k) / ms / 1e6).toFixed(2).padStart(9)}`);
  }
}

for (const kvLength of [128, 1024]) {
  const [heads, kvHeads, headDim] = [12, 12, 64];
  const q = cpu.upload(random(heads * headDim), [1, 1, heads * headDim], 'float32');
  const k = cpu.upload(random(kvHeads * kvLength * headDim), [1, kvHeads, kvLength, headDim], 'float32');
  const v = cpu.upload(random(kvHeads * kvLength * headDim), [1, kvHeads, kvLength, headDim], 'float32');
  const ms = median(() => cpu.attention(q, k, v, { numHeads: heads, numKvHeads: kvHeads, headDim, kvLength, scale: 0.125 }).dispose(), 21);
  console.log(`${`attention decode 12 heads hd=64 kv=${kvLength}`.padEnd(52)} float32   ${ms.toFixed(2).padStart(9)} ${((4 * heads * kvLength * headDim) / ms / 1e6).toFixed(2).padStart(9)}`);
}
