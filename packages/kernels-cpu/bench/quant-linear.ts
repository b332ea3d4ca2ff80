// linear with llama.cpp block-format weights on the addon (and the wasm build), at the Llama 3.2 1B shapes: decode
// GB/s of weights streamed, prefill GFLOP/s; float16 beside them for scale. Medians of interleaved runs, not a test.
// Decode cycles through copies of the weight filling at least 128 MB (as a model's layers do), so the weights come
// from memory, not from the last-level cache; --warm reads one copy every time (cache-resident where it fits).
// Build first (node scripts/build-addon.mjs; node scripts/build-wasm.mjs), then in packages/kernels-cpu:
//   node --conditions=@cria/source --import tsx bench/quant-linear.ts [--wasm] [--isa avx2] [--formats q8_0,q4_k]
import { createRequire } from 'node:module';
import { float32ArrayToFloat16, quantize } from '@cria/core';
import { WTYPE } from '../src/native/kernel-runner.js';
import { createWasmRunner } from '../src/native/wasm-runner.js';

interface Linear {
  linear(x: Float32Array, rows: number, K: number, wtype: number, w: Float32Array | Uint16Array | Uint8Array, bias: null, out: Float32Array, M: number): void;
  dispose(): void;
}
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const withWasm = process.argv.includes('--wasm');
const warm = process.argv.includes('--warm');
const isa = arg('--isa') ?? 'auto';
const formats = (arg('--formats') ?? 'float16,q8_0,q4_k').split(',') as (keyof typeof WTYPE)[];
const addon = createRequire(import.meta.url)('../build/Release/cria_cpu.node') as { Context: new (threads: number, isa: string) => Linear & { isa: string } };
const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const shapes = [
  { label: 'decode  [1,2048]x[8192,2048]', rows: 1, K: 2048, M: 8192, repeats: 40 },
  { label: 'decode  [1,2048]x[2048,2048]', rows: 1, K: 2048, M: 2048, repeats: 100 },
  { label: 'prefill [128,2048]x[2048,2048]', rows: 128, K: 2048, M: 2048, repeats: 5 },
];

console.log('case                            dtype    threads  engine          median ms  GFLOP/s  weight GB/s');
for (const threads of [1, 2]) {
  const native = new addon.Context(threads, isa);
  const wasm = withWasm ? await createWasmRunner({ threads }) : undefined;
  for (const s of shapes) {
    const values = random(s.M * s.K);
    for (const dtype of formats) {
      const wtype = WTYPE[dtype];
      const w = dtype === 'float16' ? float32ArrayToFloat16(values) : dtype === 'float32' ? values : quantize(dtype as never, values, s.M, s.K);
      const copies = warm || s.rows > 1 ? [w] : Array.from({ length: Math.ceil((128 << 20) / w.byteLength) }, () => w.slice());
      let turn = 0;
      const x = random(s.rows * s.K), out = new Float32Array(s.rows * s.M);
      const runs: Record<string, () => void> = { [`addon ${native.isa}`]: () => native.linear(x, s.rows, s.K, wtype, copies[turn++ % copies.length]!, null, out, s.M) };
      if (wasm) {
        const wx = wasm.alloc('float32', x.length), wout = wasm.alloc('float32', out.length);
        wx.set(x);
        const ww = w instanceof Float32Array ? wasm.alloc('float32', w.length) : w instanceof Uint16Array ? wasm.alloc('uint16', w.length) : wasm.alloc('uint8', w.length);
        ww.set(w as never);
        runs['wasm-simd128'] = () => wasm.linear(wx, s.rows, s.K, wtype, ww, null, wout, s.M);
      }
      const times: Record<string, number[]> = {};
      for (let i = 0; i < s.repeats + 3; i++) {
        for (const [name, run] of Object.entries(runs)) {
          const start = performance.now();
          run();
          if (i >= 3) (times[name] ??= []).push(performance.now() - start);
        }
      }
      for (const [name, list] of Object.entries(times)) {
        const ms = list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
        const gflops = (2 * s.rows * s.K * s.M) / ms / 1e6;
        const gbs = (w.byteLength / ms / 1e6).toFixed(1);
        console.log(`${s.label.padEnd(31)} ${dtype.padEnd(8)} ${String(threads).padStart(7)}  ${name.padEnd(14)} ${ms.toFixed(3).padStart(10)} ${gflops.toFixed(1).padStart(8)} ${gbs.padStart(12)}`);
      }
    }
  }
  native.dispose();
  wasm?.dispose();
}
