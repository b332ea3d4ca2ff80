// linear on the WebAssembly kernels vs the Node addon, 1 and 2 threads, interleaved, medians (not a test).
// Build both first (node scripts/build-wasm.mjs; node scripts/build-addon.mjs), then in packages/kernels-cpu:
//   node --conditions=@cria/source --import tsx bench/linear-wasm.ts
import { createRequire } from 'node:module';
import { float32ArrayToFloat16 } from '@cria/core';
import { createWasmRunner } from '../src/native/wasm-runner.js';

interface AddonContext {
  linear(x: Float32Array, rows: number, K: number, wtype: number, w: Float32Array | Uint16Array, bias: null, out: Float32Array, M: number): void;
  dispose(): void;
}
const addon = createRequire(import.meta.url)('../build/Release/cria_cpu.node') as { Context: new (threads: number, isa: string) => AddonContext & { isa: string } };
const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const cases = [
  { label: 'decode  [1,2048] x [8192,2048] f16', rows: 1, K: 2048, M: 8192, wtype: 1, repeats: 30 },
  { label: 'prefill [128,768] x [2048,768] f32', rows: 128, K: 768, M: 2048, wtype: 0, repeats: 10 },
];

console.log('case                                  threads  engine         median ms  GFLOP/s  weight GB/s');
for (const threads of [1, 2]) {
  const wasm = await createWasmRunner({ threads });
  const native = new addon.Context(threads, 'auto');
  for (const c of cases) {
    const values = random(c.M * c.K);
    const host = { x: random(c.rows * c.K), w: c.wtype === 1 ? float32ArrayToFloat16(values) : values, out: new Float32Array(c.rows * c.M) };
    const x = wasm.alloc('float32', host.x.length);
    x.set(host.x);
    const w = c.wtype === 1 ? wasm.alloc('uint16', host.w.length) : wasm.alloc('float32', host.w.length);
    w.set(host.w);
    const out = wasm.alloc('float32', host.out.length);
    const runs = {
      [`wasm-simd128`]: () => wasm.linear(x, c.rows, c.K, c.wtype as 0 | 1, w, null, out, c.M),
      [`addon ${native.isa}`]: () => native.linear(host.x, c.rows, c.K, c.wtype, host.w, null, host.out, c.M),
    };
    const times: Record<string, number[]> = {};
    for (let i = 0; i < c.repeats + 3; i++) {
      for (const [name, run] of Object.entries(runs)) {
        const start = performance.now();
        run();
        if (i >= 3) (times[name] ??= []).push(performance.now() - start);
      }
    }
    for (const [name, list] of Object.entries(times)) {
      const ms = list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      const gflops = (2 * c.rows * c.K * c.M) / ms / 1e6;
      const gbs = (w.byteLength / ms / 1e6).toFixed(1);
      console.log(`${c.label.padEnd(38)} ${String(threads).padStart(7)}  ${name.padEnd(13)} ${ms.toFixed(2).padStart(10)} ${gflops.toFixed(1).padStart(8)} ${gbs.padStart(12)}`);
    }
    for (const a of [x, w, out]) wasm.free(a);
  }
  wasm.dispose();
  native.dispose();
}
