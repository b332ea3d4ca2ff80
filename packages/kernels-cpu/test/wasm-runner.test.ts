// The WebAssembly kernels (dist-wasm/, built here when missing) through the wasm KernelRunner, against straightforward
// float64 loops, on one thread, two threads (workers on every op: parallelThreshold 0) and one thread over a plain
// memory; then the allocator, argument refusals, worker shutdown, and (where built) the addon's outputs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, BackendUnavailableError, CriaError, DisposedError, bfloat16ToFloat32, float16ToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16,
} from '@cria/core';
import { relativeError } from '@cria/core/testing';
import ts from 'typescript';
import type { KernelRunner, WeightArray, WType } from '../src/native/kernel-runner.js';
import { createWasmRunner, probeWasm, type WasmRunner, type WasmRunnerOptions } from '../src/native/wasm-runner.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOT = 1e-5;
const ELEMENTWISE = 1e-6;

beforeAll(() => {
  // Built when missing or older than its sources.
  const newest = Math.max(...['wasm.cc', 'kernels.inc', 'kernels.h', 'vec.h', 'quant.inc', 'quant.h'].map((f) => statSync(join(packageDir, 'native', f)).mtimeMs));
  const built = ['cria_cpu.wasm', 'cria_cpu_single.wasm'].every((f) => (statSync(join(packageDir, 'dist-wasm', f), { throwIfNoEntry: false })?.mtimeMs ?? 0) >= newest);
  if (!built) {
    const result = spawnSync(process.execPath, [join(packageDir, 'scripts', 'build-wasm.mjs')], { encoding: 'utf8' });
    expect(result.status, `scripts/build-wasm.mjs failed:\n${result.stdout}${result.stderr}`).toBe(0);
  }
});

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
}
const values = (n: number, seed: number, scale = 2) => Float64Array.from({ length: n }, random(seed)).map((v) => v * scale);

const WTYPES = [['float32', 0], ['float16', 1], ['bfloat16', 2]] as const;

/** A weight of `wtype` in the runner's memory and the float64 values the kernels read from it. */
function weight(runner: KernelRunner, wtype: WType, source: Float64Array): { data: WeightArray; widened: Float64Array } {
  if (wtype === 0) {
    const data = put(runner, source);
    return { data, widened: Float64Array.from(data) };
  }
  const bits = wtype === 1 ? float32ArrayToFloat16(source) : float32ArrayToBfloat16(source);
  const data = runner.alloc('uint16', bits.length);
  data.set(bits);
  const widen = wtype === 1 ? float16ToFloat32 : bfloat16ToFloat32;
  return { data, widened: Float64Array.from(bits, widen) };
}
function put(runner: KernelRunner, source: ArrayLike<number>): Float32Array {
  const a = runner.alloc('float32', source.length);
  a.set(source);
  return a;
}

function refLinear(x: ArrayLike<number>, rows: number, K: number, w: Float64Array, bias: ArrayLike<number> | null, M: number): Float64Array {
  const out = new Float64Array(rows * M);
  for (let r = 0; r < rows; r++) {
    for (let m = 0; m < M; m++) {
      let s = bias ? bias[m]! : 0;
      for (let k = 0; k < K; k++) s += x[r * K + k]! * w[m * K + k]!;
      out[r * M + m] = s;
    }
  }
  return out;
}
const silu = (g: number) => g / (1 + Math.exp(-g));

const CONFIGS: [string, WasmRunnerOptions][] = [
  ['1 thread', { threads: 1 }],
  ['2 threads', { threads: 2, parallelThreshold: 0 }],
  ['1 thread, plain memory', { threads: 1, shared: false, initialMemory: 64 * 2 ** 20 }],
];

describe.each(CONFIGS)('wasm runner, %s', (_, options) => {
  let runner: WasmRunner;
  beforeAll(async () => {
    runner = await createWasmRunner(options);
  });
  afterAll(() => runner?.dispose());

  it('says what it runs', () => {
    expect(runner.kind).toBe('wasm');
    expect(runner.isa).toBe('wasm-simd128');
    expect(runner.threads).toBe(options.threads);
    expect(runner.shared).toBe(options.shared !== false);
  });

  describe.each(WTYPES)('%s weights', (_, wtype) => {
    it.each([
      [77, 1], [77, 5], [4099, 1], [4099, 5],
    ])('linear, linearMany and gated: K = %i, rows = %i, M = 129', (K, rows) => {
      const M = 129;
      const x = put(runner, values(rows * K, K + rows));
      const w = weight(runner, wtype, values(M * K, 2));
      const up = weight(runner, wtype, values(M * K, 3));
      const bias = put(runner, values(M, 4));
      const out = runner.alloc('float32', rows * M);
      runner.linear(x, rows, K, wtype, w.data, bias, out, M);
      const want = refLinear(x, rows, K, w.widened, bias, M);
      expect(relativeError(out, want)).toBeLessThan(DOT);

      // linearMany: the same rows and bits as linear, and two more outputs (one without bias).
      const w2 = weight(runner, wtype, values(7 * K, 5));
      const outs = [runner.alloc('float32', rows * M), runner.alloc('float32', rows * M), runner.alloc('float32', rows * 7)];
      runner.linearMany(x, rows, K, wtype, [[w.data, bias, outs[0]!, M], [up.data, null, outs[1]!, M], [w2.data, null, outs[2]!, 7]]);
      expect(outs[0]).toEqual(out);
      expect(relativeError(outs[1]!, refLinear(x, rows, K, up.widened, null, M))).toBeLessThan(DOT);
      expect(relativeError(outs[2]!, refLinear(x, rows, K, w2.widened, null, 7))).toBeLessThan(DOT);

      const upBias = put(runner, values(M, 6));
      const gated = runner.alloc('float32', rows * M);
      runner.gated(x, rows, K, wtype, w.data, up.data, bias, upBias, gated, M);
      const u = refLinear(x, rows, K, up.widened, upBias, M);
      expect(relativeError(gated, want.map((g, i) => silu(g) * u[i]!))).toBeLessThan(DOT);
      runner.gated(x, rows, K, wtype, w.data, up.data, null, null, gated, M);
      const g0 = refLinear(x, rows, K, w.widened, null, M), u0 = refLinear(x, rows, K, up.widened, null, M);
      expect(relativeError(gated, g0.map((g, i) => silu(g) * u0[i]!))).toBeLessThan(DOT);
      for (const a of [x, w.data, up.data, bias, out, w2.data, ...outs, upBias, gated]) runner.free(a);
    });

    it.each([77, 2051])('norm, with and without b: H = %i', (H) => {
      const rows = 5, eps = 1e-5;
      const a = put(runner, values(rows * H, 7)), b = put(runner, values(rows * H, 8));
      const w = weight(runner, wtype, values(H, 9));
      const sum = runner.alloc('float32', rows * H), out = runner.alloc('float32', rows * H);
      const ref = (x: ArrayLike<number>) => {
        const o = new Float64Array(rows * H);
        for (let r = 0; r < rows; r++) {
          let ss = 0;
          for (let k = 0; k < H; k++) ss += x[r * H + k]! ** 2;
          const scale = 1 / Math.sqrt(ss / H + eps);
          for (let k = 0; k < H; k++) o[r * H + k] = x[r * H + k]! * scale * w.widened[k]!;
        }
        return o;
      };
      runner.norm(a, null, w.data, wtype, null, out, rows, H, eps);
      expect(relativeError(out, ref(a))).toBeLessThan(ELEMENTWISE);
      runner.norm(a, b, w.data, wtype, sum, out, rows, H, eps);
      const wantSum = Float32Array.from(a, (v, i) => v + b[i]!);
      expect(sum).toEqual(wantSum);
      expect(relativeError(out, ref(wantSum))).toBeLessThan(ELEMENTWISE);
    });

    it('embedding', () => {
      const V = 50, H = 77, ids = runner.alloc('int32', 6);
      ids.set([3, 0, 49, 3, 17, 8]);
      const w = weight(runner, wtype, values(V * H, 10));
      const out = runner.alloc('float32', 6 * H);
      runner.embedding(w.data, wtype, V, ids, out, 6, H);
      const want = new Float32Array(6 * H);
      ids.forEach((id, r) => want.set(w.widened.subarray(id * H, id * H + H), r * H));
      expect(out).toEqual(want);
    });
  });

  it.each([['float16', 1], ['bfloat16', 2]] as const)('widens every %s bit pattern exactly (embedding)', (_, wtype) => {
    const w = runner.alloc('uint16', 65536), ids = runner.alloc('int32', 256), out = runner.alloc('float32', 65536);
    w.forEach((_, i) => (w[i] = i));
    ids.forEach((_, i) => (ids[i] = i));
    runner.embedding(w, wtype, 256, ids, out, 256, 256);
    const widen = wtype === 1 ? float16ToFloat32 : bfloat16ToFloat32;
    const wrong = Array.from(out.keys()).filter((i) => !Object.is(out[i], Math.fround(widen(i))));
    expect(wrong.map((i) => `0x${i.toString(16)} -> ${out[i]}`).slice(0, 5)).toEqual([]);
    for (const a of [w, ids, out]) runner.free(a);
  });

  it.each([64, 6])('rope: headDim = %i', (headDim) => {
    const tokens = 5, heads = 4, half = headDim / 2;
    const x = put(runner, values(tokens * heads * headDim, 11));
    const angles = values(tokens * half, 12, 8);
    const cos = put(runner, angles.map(Math.cos)), sin = put(runner, angles.map(Math.sin));
    const out = runner.alloc('float32', x.length);
    runner.rope(x, cos, sin, out, tokens, heads, headDim);
    const want = new Float64Array(x.length);
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < heads; h++) {
        const o = (t * heads + h) * headDim;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i]!, s = sin[t * half + i]!, x1 = x[o + i]!, x2 = x[o + half + i]!;
          want[o + i] = x1 * c - x2 * s;
          want[o + half + i] = x2 * c + x1 * s;
        }
      }
    }
    expect(relativeError(out, want)).toBeLessThan(ELEMENTWISE);
  });

  it.each([[64, true], [20, false]])('attention (GQA, kvLength > S, padding mask) and its probs: D = %i, mask %s', (D, withMask) => {
    const B = 2, S = 3, heads = 4, kvHeads = 2, maxLength = 140, kvLength = 135, scale = 1 / Math.sqrt(D);
    const q = put(runner, values(B * S * heads * D, 13, 4));
    const k = put(runner, values(B * kvHeads * maxLength * D, 14, 4)), v = put(runner, values(B * kvHeads * maxLength * D, 15));
    const mask = withMask ? runner.alloc('float32', B * maxLength) : null;
    if (mask) {
      mask.fill(1);
      mask.fill(0, maxLength, maxLength + 7); // row 1: 7 left-padding slots
      mask[40] = 0;
    }
    const out = runner.alloc('float32', q.length), probs = runner.alloc('float32', B * heads * S * kvLength);
    const wantOut = new Float64Array(q.length), wantProbs = new Float64Array(probs.length);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < heads; h++) {
        const head = (b * kvHeads + Math.floor(h / (heads / kvHeads))) * maxLength;
        for (let s = 0; s < S; s++) {
          const qo = ((b * S + s) * heads + h) * D;
          const p = new Float64Array(kvLength);
          for (let j = 0; j <= kvLength - S + s; j++) {
            if (mask && mask[b * maxLength + j] === 0) continue;
            let dot = 0;
            for (let d = 0; d < D; d++) dot += q[qo + d]! * k[(head + j) * D + d]!;
            p[j] = Math.exp(dot * scale);
          }
          const total = p.reduce((x, y) => x + y, 0);
          p.forEach((value, j) => {
            wantProbs[((b * heads + h) * S + s) * kvLength + j] = value / total;
            for (let d = 0; d < D; d++) wantOut[qo + d]! += (value / total) * v[(head + j) * D + d]!;
          });
        }
      }
    }
    runner.attention(q, k, v, mask, out, null, B, S, heads, kvHeads, D, maxLength, kvLength, maxLength, scale);
    expect(relativeError(out, wantOut)).toBeLessThan(DOT);
    runner.attention(q, k, null, mask, null, probs, B, S, heads, kvHeads, D, maxLength, kvLength, maxLength, scale);
    expect(relativeError(probs, wantProbs)).toBeLessThan(DOT);
    if (mask) expect(probs[((1 * heads + 2) * S + 1) * kvLength + 3]).toBe(0);
  });

  it('elementwise add and siluMul', () => {
    const n = 40003;
    const a = put(runner, values(n, 16, 8)), b = put(runner, values(n, 17, 8)), out = runner.alloc('float32', n);
    runner.elementwise(a, b, out, n, 0);
    expect(relativeError(out, Float64Array.from(a, (v, i) => v + b[i]!))).toBeLessThan(ELEMENTWISE);
    runner.elementwise(a, b, out, n, 1);
    expect(relativeError(out, Float64Array.from(a, (v, i) => silu(v) * b[i]!))).toBeLessThan(ELEMENTWISE);
  });

  it.each([[2, 128256], [5, 77]])('softmax [%i, %i]', (rows, n) => {
    const x = put(runner, values(rows * n, 18, 20)), out = runner.alloc('float32', rows * n);
    runner.softmax(x, out, rows, n);
    const want = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * n, r * n + n));
      const m = row.reduce((p, c) => Math.max(p, c), -Infinity);
      const e = row.map((v) => Math.exp(v - m));
      const total = e.reduce((p, c) => p + c, 0);
      e.forEach((v, i) => (want[r * n + i] = v / total));
    }
    expect(relativeError(out, want)).toBeLessThan(ELEMENTWISE);
  });

  it('kvWrite', () => {
    const B = 2, S = 3, kvHeads = 2, D = 20, maxLength = 9, offset = 4;
    const cache = put(runner, values(B * kvHeads * maxLength * D, 19)), src = put(runner, values(B * S * kvHeads * D, 20));
    const want = cache.slice();
    for (let b = 0; b < B; b++)
      for (let s = 0; s < S; s++)
        for (let h = 0; h < kvHeads; h++)
          for (let d = 0; d < D; d++) want[((b * kvHeads + h) * maxLength + offset + s) * D + d] = src[((b * S + s) * kvHeads + h) * D + d]!;
    runner.kvWrite(cache, src, B, S, kvHeads, D, maxLength, offset);
    expect(cache).toEqual(want);
  });

  it('linearMany with more outputs than the scratch area holds', () => {
    const K = 9, count = 200;
    const x = put(runner, values(2 * K, 30)), w = put(runner, values(count * K, 31));
    const outs = Array.from({ length: count }, () => runner.alloc('float32', 2));
    runner.linearMany(x, 2, K, 0, outs.map((out, i) => [w.subarray(i * K, i * K + K), null, out, 1] as const));
    const want = refLinear(x, 2, K, Float64Array.from(w), null, count);
    outs.forEach((out, i) => expect(relativeError(out, [want[i]!, want[count + i]!])).toBeLessThan(DOT));
  });

  it('refuses arrays outside its memory, naming the argument', () => {
    const x = runner.alloc('float32', 4), out = runner.alloc('float32', 4);
    expect(() => runner.linear(x, 1, 4, 0, new Float32Array(4), null, out, 1)).toThrow(ArgumentError);
    expect(() => runner.linear(x, 1, 4, 0, new Float32Array(4), null, out, 1)).toThrow(/linear: weight is not an array of this runner's WebAssembly memory/);
    expect(() => runner.softmax(x, new Float32Array(4), 1, 4)).toThrow(/softmax: out is not an array/);
    expect(() => runner.softmax(x, out, 2, 4)).toThrow(/softmax: x holds 16 bytes, the kernel needs 32/);
    expect(() => runner.free(new Float32Array(4))).toThrow(ArgumentError);
  });
});

describe('wasm runner: loading, memory, workers', () => {
  it('probes, and says how to build a missing module', async () => {
    expect(await probeWasm()).toEqual({ available: true });
    const missing = join(packageDir, 'dist-wasm', 'missing.wasm');
    const probe = await probeWasm({ wasm: missing });
    expect(probe.available).toBe(false);
    expect(probe.reason).toContain(missing);
    expect(probe.reason).toContain('node scripts/build-wasm.mjs');
    await expect(createWasmRunner({ threads: 1, wasm: missing })).rejects.toThrow(BackendUnavailableError);
    await expect(createWasmRunner({ threads: 0 })).rejects.toThrow(ArgumentError);
  });

  it('reuses freed blocks, coalesces neighbours, zero-fills, and refuses more than 4 GiB', async () => {
    const runner = await createWasmRunner({ threads: 1 });
    try {
      const a = runner.alloc('float32', 1000), b = runner.alloc('float32', 1000), c = runner.alloc('float32', 1000);
      const keep = runner.alloc('float32', 16);
      a.fill(7);
      runner.free(a);
      const again = runner.alloc('float32', 1000);
      expect(again.byteOffset).toBe(a.byteOffset); // reuse
      expect(again.every((v) => v === 0)).toBe(true); // zero-filled
      runner.free(again);
      runner.free(b);
      const big = runner.alloc('float32', 2000);
      expect(big.byteOffset).toBe(a.byteOffset); // a and b coalesced into one block
      runner.free(big);
      runner.free(c);
      // a, b, c and the top coalesce: the next allocation starts where a did.
      runner.free(keep);
      const afterAll = runner.alloc('float32', 5000);
      expect(afterAll.byteOffset).toBe(a.byteOffset);
      expect(() => runner.free(afterAll.subarray(1))).toThrow(ArgumentError);

      const inUse = runner.bytesInUse;
      const grown = runner.memory.buffer.byteLength;
      const large = runner.alloc('float32', 30_000_000); // 120 MB: the memory grows
      expect(runner.memory.buffer.byteLength).toBeGreaterThan(grown);
      afterAll[4999] = 3; // shared memory: arrays from before the growth stay valid
      runner.elementwise(afterAll, afterAll, afterAll, 5000, 0);
      expect(afterAll[4999]).toBe(6);
      runner.free(large);
      expect(runner.bytesInUse).toBe(inUse);

      const refused = (() => {
        try {
          runner.alloc('float32', 2 ** 30);
        } catch (error) {
          return error as Error;
        }
      })();
      expect(refused).toBeInstanceOf(CriaError);
      expect(refused?.message).toMatch(/limited to 4 GiB \(4294967296 bytes\): cannot allocate 4294967296 bytes/);
      expect(runner.memory.buffer.byteLength).toBeLessThan(2 ** 30); // nothing was allocated for it
    } finally {
      runner.dispose();
    }
  });

  it('a plain memory runs one thread, says why, and refuses arrays its growth detached', async () => {
    const runner = await createWasmRunner({ threads: 2, shared: false });
    try {
      expect(runner.threads).toBe(1);
      expect(runner.singleThreadReason).toMatch(/one thread/);
      const before = runner.alloc('float32', 16);
      runner.alloc('float32', 30_000_000);
      expect(() => runner.softmax(before, before, 1, 16)).toThrow(/softmax: x is not an array of this runner's WebAssembly memory.*pass initialMemory/);
    } finally {
      runner.dispose();
    }
  });

  it('stops its workers on dispose and refuses work afterwards', async () => {
    const runner = await createWasmRunner({ threads: 2 });
    const a = runner.alloc('float32', 100_000);
    runner.elementwise(a, a, a, a.length, 0);
    runner.dispose();
    await runner.stopped;
    expect(() => runner.elementwise(a, a, a, a.length, 0)).toThrow(DisposedError);
    expect(() => runner.alloc('float32', 1)).toThrow(DisposedError);
  });

  it('lets Node exit with its workers running (a runner never disposed)', () => {
    // The runner's modules as plain JavaScript in a temporary folder, @cria/core's errors stubbed.
    const dir = mkdtempSync(join(tmpdir(), 'cria-wasm-exit-'));
    try {
      // src/native/*.ts as native/*.js, src/wasm-files.ts beside native/, as in the package.
      mkdirSync(join(dir, 'native'));
      const transpile = (from: string, to: string) => {
        const source = readFileSync(join(packageDir, 'src', from), 'utf8').replace("from '@cria/core'", "from './core.js'");
        writeFileSync(join(dir, to), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
      };
      for (const name of ['wasm-runner', 'wasm-heap', 'wasm-load', 'wasm-worker']) transpile(`native/${name}.ts`, `native/${name}.js`);
      transpile('wasm-files.ts', 'wasm-files.js');
      writeFileSync(join(dir, 'native', 'core.js'), ['ArgumentError', 'BackendUnavailableError', 'CriaError', 'DisposedError'].map((n) => `export class ${n} extends Error {}`).join('\n'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'main.js'), [
        "import { createWasmRunner } from './native/wasm-runner.js';",
        `const runner = await createWasmRunner({ threads: 2, wasm: ${JSON.stringify(join(packageDir, 'dist-wasm', 'cria_cpu.wasm'))} });`,
        "const a = runner.alloc('float32', 100000);",
        'runner.elementwise(a, a, a, a.length, 0);',
        "console.log('ran');",
      ].join('\n'));
      const child = spawnSync(process.execPath, [join(dir, 'main.js')], { encoding: 'utf8', timeout: 30_000 });
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toBe('ran');
      expect(child.status).toBe(0); // not killed by the timeout
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const addonPath = join(packageDir, 'build', 'Release', 'cria_cpu.node');
describe.runIf(existsSync(addonPath))('wasm vs the addon (build/Release/cria_cpu.node)', () => {
  it.each(WTYPES)('linear, gated, attention, softmax agree with %s weights', async (_, wtype) => {
    const { createAddonRunner } = await import('../src/native/addon-runner.js');
    const addon = createAddonRunner(createRequire(import.meta.url)(addonPath), 2);
    const wasm = await createWasmRunner({ threads: 2 });
    try {
      const rows = 5, K = 4099, M = 129;
      const x = put(wasm, values(rows * K, 21)), w = weight(wasm, wtype, values(M * K, 22)), up = weight(wasm, wtype, values(M * K, 23));
      const out = wasm.alloc('float32', rows * M), outAddon = new Float32Array(rows * M);
      wasm.linear(x, rows, K, wtype, w.data, null, out, M);
      addon.linear(x.slice(), rows, K, wtype, w.data.slice(), null, outAddon, M);
      expect(relativeError(out, outAddon)).toBeLessThan(DOT);
      wasm.gated(x, rows, K, wtype, w.data, up.data, null, null, out, M);
      addon.gated(x.slice(), rows, K, wtype, w.data.slice(), up.data.slice(), null, null, outAddon, M);
      expect(relativeError(out, outAddon)).toBeLessThan(DOT);

      const B = 1, S = 4, heads = 4, kvHeads = 1, D = 64, maxLength = 100, kvLength = 90;
      const q = put(wasm, values(B * S * heads * D, 24)), k = put(wasm, values(maxLength * D, 25)), v = put(wasm, values(maxLength * D, 26));
      const att = wasm.alloc('float32', q.length), attAddon = new Float32Array(q.length);
      wasm.attention(q, k, v, null, att, null, B, S, heads, kvHeads, D, maxLength, kvLength, 0, 0.125);
      addon.attention(q.slice(), k.slice(), v.slice(), null, attAddon, null, B, S, heads, kvHeads, D, maxLength, kvLength, 0, 0.125);
      expect(relativeError(att, attAddon)).toBeLessThan(DOT);

      const logits = put(wasm, values(2 * 128256, 27, 20)), p = wasm.alloc('float32', logits.length), pAddon = new Float32Array(logits.length);
      wasm.softmax(logits, p, 2, 128256);
      addon.softmax(logits.slice(), pAddon, 2, 128256);
      expect(relativeError(p, pAddon)).toBeLessThan(ELEMENTWISE);
    } finally {
      wasm.dispose();
      addon.dispose();
    }
  });
});
