// The block-format kernels (native/quant.inc) of the fast cpu backend, on every build: the addon's kernels for each
// instruction set this processor runs (avx512, avx2, scalar here; neon on arm64) and the WebAssembly build, on 1 and
// 2 threads (the wasm runner with parallelThreshold 0, so even small ops split across its workers).
//
// What they are judged against: @cria/core's dequantizer (packages/core/src/quant, an independent TypeScript port of
// llama.cpp's dequantize_row_*, bit-exact with llama.cpp by its own golden tests), then float64 dot products.
// - embedding copies dequantized rows: its output must equal the dequantizer's float32 bits exactly, for random block
//   bytes (every nibble / high-bit / scale pattern, finite float16 scales: zero, subnormal, large, normal) and for the
//   blocks llama.cpp's quantizer makes.
// - linear, linearMany, linearSiluMul dot float32 x with those same float32 weights, accumulating in float32: the only
//   difference from the float64 reference is the accumulation's rounding, which for K <= 4128 terms stays around
//   sqrt(K)·2^-24 ≈ 4e-6 relative at worst (random signs: ~1e-7 typical). The bound is ‖a−b‖/‖b‖ <= 1e-5, the one the
//   float kernels meet (test/wasm-runner.test.ts); a wrong nibble, scale or bit anywhere costs far more than that.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DType, type QuantDType, QUANT_DTYPES, type Tensor, dequantize, float32ToFloat16, quantBlock, quantize } from '@cria/core';
import { SeededRandom, relativeError } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddonRunner, loadCpuAddon } from './addon-runner.js';
import { NativeCpuBackend } from './native-backend.js';
import { createWasmRunner } from './wasm-runner.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ‖a−b‖/‖b‖ for float32 accumulation against float64 (see above). */
const DOT = 1e-5;

beforeAll(() => {
  // The wasm build, rebuilt when older than its sources (the addon is built by scripts/build-addon.mjs).
  const sources = ['wasm.cc', 'kernels.inc', 'kernels.h', 'vec.h', 'quant.inc', 'quant.h'];
  const newest = Math.max(...sources.map((f) => statSync(join(packageDir, 'native', f)).mtimeMs));
  const built = ['cria_cpu.wasm', 'cria_cpu_single.wasm'].every((f) => (statSync(join(packageDir, 'dist-wasm', f), { throwIfNoEntry: false })?.mtimeMs ?? 0) >= newest);
  if (!built) {
    const result = spawnSync(process.execPath, [join(packageDir, 'scripts', 'build-wasm.mjs')], { encoding: 'utf8' });
    expect(result.status, `scripts/build-wasm.mjs failed:\n${result.stdout}${result.stderr}`).toBe(0);
  }
});

interface Build {
  name: string;
  backend: NativeCpuBackend;
}
const builds: Build[] = [];

beforeAll(async () => {
  const addon = await loadCpuAddon();
  for (const threads of [1, 2]) {
    for (const isa of addon.isas()) builds.push({ name: `addon ${isa} × ${threads}`, backend: new NativeCpuBackend(createAddonRunner(addon, threads, isa)) });
    builds.push({ name: `wasm × ${threads}`, backend: new NativeCpuBackend(await createWasmRunner({ threads, parallelThreshold: 0 })) });
  }
});
afterAll(() => {
  for (const b of builds) b.backend.dispose();
});

/** Each build's result of `run`, checked by `check` (which names the build on failure). */
async function onEveryBuild(run: (backend: NativeCpuBackend) => Tensor | Tensor[], check: (name: string, outs: Float32Array[]) => void): Promise<void> {
  expect(builds.length).toBeGreaterThanOrEqual(4);
  for (const { name, backend } of builds) {
    let result: Tensor | Tensor[];
    try {
      result = run(backend);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
    }
    const tensors = Array.isArray(result) ? result : [result];
    const outs = await Promise.all(tensors.map(async (t) => (await t.toArray()) as Float32Array));
    for (const t of tensors) t.dispose();
    check(name, outs);
  }
}

/** Weights that exercise the scales and minimums: rows and blocks of different magnitudes, some offset from zero. */
function weightValues(rows: number, cols: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c0 = 0; c0 < cols; c0 += 32) {
      const scale = 10 ** random.symmetric(1.5);
      const offset = random.next() < 0.3 ? random.symmetric(scale) : 0;
      for (let c = c0; c < c0 + 32; c++) out[r * cols + c] = random.symmetric(scale) + offset;
    }
  }
  return out;
}

function floats(n: number, seed: number, amplitude = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => random.symmetric(amplitude));
}

/** x [rows, K] · w [M, K]ᵀ (+ bias) in float64. */
function refLinear(x: Float32Array, rows: number, K: number, w: Float32Array, M: number, bias?: Float32Array): Float64Array {
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

/** A quantized [M, K] weight: its bytes and the float32 values llama.cpp's dequantize_row gives for them. */
function quantWeight(dtype: QuantDType, M: number, K: number, seed: number): { bytes: Uint8Array; values: Float32Array } {
  const bytes = quantize(dtype, weightValues(M, K, seed), M, K);
  return { bytes, values: dequantize(dtype, bytes, M, K) };
}

/** The offsets of each format's float16 fields (d, and m / dmin where it has one) in a block. */
const HALF_FIELDS: Record<QuantDType, number[]> = {
  q4_0: [0], q4_1: [0, 2], q5_0: [0], q5_1: [0, 2], q8_0: [0], q4_k: [0, 2], q5_k: [0, 2], q6_k: [208],
};

/** Random block bytes with finite float16 scales (zero, subnormal, near the top of the range, normal). */
function randomBlocks(dtype: QuantDType, blocks: number, seed: number): Uint8Array {
  const { blockBytes } = quantBlock(dtype);
  const random = new SeededRandom(seed);
  const out = Uint8Array.from({ length: blocks * blockBytes }, () => random.uint32() & 0xff);
  for (let b = 0; b < blocks; b++) {
    for (const at of HALF_FIELDS[dtype]) {
      const choice = random.uint32() % 8;
      const value = choice === 0 ? 0 : choice === 1 ? random.symmetric(6e-5) : choice === 2 ? random.symmetric(6e4) : random.symmetric(1) * 10 ** random.symmetric(3);
      const h = float32ToFloat16(value);
      out[b * blockBytes + at] = h & 0xff;
      out[b * blockBytes + at + 1] = h >>> 8;
    }
  }
  return out;
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
function firstBitDifference(got: Float32Array, want: Float32Array): string {
  const g = bitsOf(got), w = bitsOf(want);
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) return `element ${i}: ${got[i]} (0x${g[i]!.toString(16)}) vs ${want[i]} (0x${w[i]!.toString(16)})`;
  return g.length === w.length ? '' : `length ${g.length} vs ${w.length}`;
}

describe.each(QUANT_DTYPES.map((d) => [d] as const))('%s weights', (dtype) => {
  const { blockElements } = quantBlock(dtype);
  const Ks = blockElements === 32 ? [96, 256, 512, 4128] : [256, 512];
  const M = 77;

  it('embedding gives the dequantizer\'s float32 bits: random block bytes, and quantized rows', async () => {
    const K = 2 * 256;
    const V = 37;
    const blocks = randomBlocks(dtype, (V * K) / blockElements, 101);
    const values = dequantize(dtype, blocks, V, K);
    const ids = Int32Array.from({ length: V + 3 }, (_, i) => (i * 17) % V);
    ids.set([0, V - 1, 0], V);
    const want = new Float32Array(ids.length * K);
    ids.forEach((id, r) => want.set(values.subarray(id * K, id * K + K), r * K));
    await onEveryBuild(
      (b) => b.embedding(b.upload(blocks, [V, K], dtype), b.upload(ids, [ids.length], 'int32')),
      (name, [out]) => expect(firstBitDifference(out!, want), name).toBe(''),
    );

    const w = quantWeight(dtype, M, K, 102);
    const ids2 = Int32Array.from([76, 0, 5, 5, 40]);
    const want2 = new Float32Array(ids2.length * K);
    ids2.forEach((id, r) => want2.set(w.values.subarray(id * K, id * K + K), r * K));
    await onEveryBuild(
      (b) => b.embedding(b.upload(w.bytes, [M, K], dtype), b.upload(ids2, [ids2.length], 'int32')),
      (name, [out]) => expect(firstBitDifference(out!, want2), name).toBe(''),
    );
  });

  describe.each(Ks.map((K) => [K] as const))('K = %i', (K) => {
    it.each([[1], [3], [129]])('linear, linearMany, linearSiluMul: rows = %i, M = 77', async (rows) => {
      const seed = K * 1000 + rows;
      const x = floats(rows * K, seed);
      const gate = quantWeight(dtype, M, K, seed + 1);
      const up = quantWeight(dtype, M, K, seed + 2);
      const w2 = quantWeight(dtype, 13, K, seed + 3);
      const bias = floats(M, seed + 4), upBias = floats(M, seed + 5);
      const plain = refLinear(x, rows, K, gate.values, M);
      const withBias = refLinear(x, rows, K, gate.values, M, bias);
      const upOut = refLinear(x, rows, K, up.values, M, upBias);
      const upPlain = refLinear(x, rows, K, up.values, M);
      const w2Out = refLinear(x, rows, K, w2.values, 13);
      const gated = withBias.map((g, i) => silu(g) * upOut[i]!);
      const gatedPlain = plain.map((g, i) => silu(g) * upPlain[i]!);

      await onEveryBuild(
        (b) => {
          const xt = b.upload(x, [rows, K], 'float32');
          const g = b.upload(gate.bytes, [M, K], dtype), u = b.upload(up.bytes, [M, K], dtype), v = b.upload(w2.bytes, [13, K], dtype);
          const bt = b.upload(bias, [M], 'float32'), ubt = b.upload(upBias, [M], 'float32');
          return [
            b.linear(xt, g),
            b.linear(xt, g, bt),
            ...b.linearMany(xt, [g, u, v], [bt, ubt, b.zeros([13], 'float32')]),
            b.linearSiluMul(xt, g, u, bt, ubt),
            b.linearSiluMul(xt, g, u),
          ];
        },
        (name, [lin, linBias, many0, many1, many2, silu1, silu2]) => {
          expect(relativeError(lin!, plain), `${name} linear`).toBeLessThan(DOT);
          expect(relativeError(linBias!, withBias), `${name} linear + bias`).toBeLessThan(DOT);
          // linearMany gives linear's bits for the same weight (one accumulation order per K and rows).
          expect(firstBitDifference(many0!, linBias!), `${name} linearMany[0] vs linear`).toBe('');
          expect(relativeError(many1!, upOut), `${name} linearMany[1]`).toBeLessThan(DOT);
          expect(relativeError(many2!, w2Out), `${name} linearMany[2]`).toBeLessThan(DOT);
          expect(relativeError(silu1!, gated), `${name} linearSiluMul + biases`).toBeLessThan(DOT);
          expect(relativeError(silu2!, gatedPlain), `${name} linearSiluMul`).toBeLessThan(DOT);
        },
      );
    });
  });

  it('decode over many rows (M = 1031: the addon splits it across its threads too)', async () => {
    const K = 256, rows = 1, Mbig = 1031;
    const x = floats(K, 7);
    const w = quantWeight(dtype, Mbig, K, 8);
    const up = quantWeight(dtype, Mbig, K, 9);
    const want = refLinear(x, rows, K, w.values, Mbig);
    const upWant = refLinear(x, rows, K, up.values, Mbig);
    await onEveryBuild(
      (b) => {
        const xt = b.upload(x, [rows, K], 'float32'), wt = b.upload(w.bytes, [Mbig, K], dtype), ut = b.upload(up.bytes, [Mbig, K], dtype);
        return [b.linear(xt, wt), b.linearSiluMul(xt, wt, ut)];
      },
      (name, [lin, gated]) => {
        expect(relativeError(lin!, want), `${name} linear`).toBeLessThan(DOT);
        expect(relativeError(gated!, want.map((g, i) => silu(g) * upWant[i]!)), `${name} linearSiluMul`).toBeLessThan(DOT);
      },
    );
  });
});

/** float16 bits of a value that float16 holds exactly. */
const half = (v: number) => {
  const h = float32ToFloat16(v);
  return [h & 0xff, h >>> 8];
};

describe('hand-checked blocks', () => {
  // x is all ones, so each output is the sum of the row's dequantized weights, worked out by hand below; the
  // embedding gives the weights themselves.
  const cases: { dtype: QuantDType; block: number[]; weights: (i: number) => number; sum: number }[] = [
    {
      // Q4_0: d = 0.5, every byte 0x93 (low nibble 3, high 9): elements 0-15 (3 - 8)·0.5 = -2.5, 16-31 (9 - 8)·0.5 = 0.5.
      dtype: 'q4_0',
      block: [...half(0.5), ...Array<number>(16).fill(0x93)],
      weights: (i) => (i < 16 ? -2.5 : 0.5),
      sum: 16 * -2.5 + 16 * 0.5, // -32
    },
    {
      // Q4_1: d = 2, m = -1, byte j = j | (15 - j) << 4: element j < 16 is 2j - 1, element 16 + j is 2(15 - j) - 1.
      dtype: 'q4_1',
      block: [...half(2), ...half(-1), ...Array.from({ length: 16 }, (_, j) => j | ((15 - j) << 4))],
      weights: (i) => (i < 16 ? 2 * i - 1 : 2 * (15 - (i - 16)) - 1),
      sum: 2 * (2 * 120 - 16), // each half: 2·(0+..+15) - 16 = 224
    },
    {
      // Q5_0: d = 0.25, qh = 0x80000001 (the fifth bit of elements 0 and 31), qs all 0x00:
      // element 0: (16 - 16)·0.25 = 0, element 31: 0, the other 30: (0 - 16)·0.25 = -4.
      dtype: 'q5_0',
      block: [...half(0.25), 0x01, 0x00, 0x00, 0x80, ...Array<number>(16).fill(0)],
      weights: (i) => (i === 0 || i === 31 ? 0 : -4),
      sum: 30 * -4,
    },
    {
      // Q5_1: d = 1, m = 0.5, qh = 0x0000ffff (elements 0-15 get +16), qs all 0x21: elements 0-15: (1 + 16) + 0.5,
      // elements 16-31: 2 + 0.5.
      dtype: 'q5_1',
      block: [...half(1), ...half(0.5), 0xff, 0xff, 0x00, 0x00, ...Array<number>(16).fill(0x21)],
      weights: (i) => (i < 16 ? 17.5 : 2.5),
      sum: 16 * 17.5 + 16 * 2.5, // 320
    },
    {
      // Q8_0: d = 0.125, q_j = j - 16 (int8): element j is (j - 16) / 8, summing to -16 / 8 = -2.
      dtype: 'q8_0',
      block: [...half(0.125), ...Array.from({ length: 32 }, (_, j) => (j - 16) & 0xff)],
      weights: (i) => (i - 16) / 8,
      sum: -2,
    },
    {
      // Q4_K: d = 1, dmin = 0.5; scales bytes 0-3 = 2 (sub-blocks 0-3 scale 2), 4-7 = 1 (their min 1), 8-11 = 0x31
      // (sub-blocks 4-7: scale 1, min 3); qs all 0x52 (low nibble 2, high 5). Sub-block 2i reads low nibbles, 2i+1
      // high: sub-blocks 0, 2: 2·2 - 0.5 = 3.5; 1, 3: 2·5 - 0.5 = 9.5; 4, 6: 1·2 - 1.5 = 0.5; 5, 7: 1·5 - 1.5 = 3.5.
      dtype: 'q4_k',
      block: [...half(1), ...half(0.5), 2, 2, 2, 2, 1, 1, 1, 1, 0x31, 0x31, 0x31, 0x31, ...Array<number>(128).fill(0x52)],
      weights: (i) => [3.5, 9.5, 3.5, 9.5, 0.5, 3.5, 0.5, 3.5][i >> 5]!,
      sum: 32 * (3.5 + 9.5 + 3.5 + 9.5 + 0.5 + 3.5 + 0.5 + 3.5),
    },
    {
      // Q5_K: as the Q4_K block with qh all 0x01: the fifth bit (+16) only for sub-block 0: 2·18 - 0.5 = 35.5.
      dtype: 'q5_k',
      block: [...half(1), ...half(0.5), 2, 2, 2, 2, 1, 1, 1, 1, 0x31, 0x31, 0x31, 0x31, ...Array<number>(32).fill(0x01), ...Array<number>(128).fill(0x52)],
      weights: (i) => [35.5, 9.5, 3.5, 9.5, 0.5, 3.5, 0.5, 3.5][i >> 5]!,
      sum: 32 * (35.5 + 9.5 + 3.5 + 9.5 + 0.5 + 3.5 + 0.5 + 3.5),
    },
    {
      // Q6_K: ql all 0x21, qh all 0xe4 (bits 0-1 = 0, 2-3 = 1, 4-5 = 2, 6-7 = 3), scales 1..16, d = 0.5. In each half
      // of 128: element l < 32: (1 | 0 << 4) - 32 = -31, 32 + l: (1 | 1 << 4) - 32 = -15, 64 + l: (2 | 2 << 4) - 32 = 2,
      // 96 + l: (2 | 3 << 4) - 32 = 18; scale of element i: scales[i / 16] (half h: i = 128h + 32g + l uses
      // scales[8h + 2g + l / 16]).
      dtype: 'q6_k',
      block: [...Array<number>(128).fill(0x21), ...Array<number>(64).fill(0xe4), ...Array.from({ length: 16 }, (_, i) => i + 1), ...half(0.5)],
      weights: (i) => 0.5 * (Math.floor(i / 16) + 1) * [-31, -15, 2, 18][(i >> 5) & 3]!,
      // Each 16 shares scale s = i/16 + 1 and code c: 0.5 · 16 · Σ s·c.
      sum: 8 * Array.from({ length: 16 }, (_, j) => (j + 1) * [-31, -15, 2, 18][(j >> 1) & 3]!).reduce((a, b) => a + b, 0),
    },
  ];

  it.each(cases.map((c) => [c.dtype, c] as const))('%s', async (dtype, c) => {
    const { blockElements, blockBytes } = quantBlock(dtype);
    expect(c.block.length).toBe(blockBytes);
    const bytes = Uint8Array.from(c.block);
    const weights = Float32Array.from({ length: blockElements }, (_, i) => c.weights(i));
    // The hand-worked values are what llama.cpp's dequantizer (core's port) gives, and they sum to `sum`.
    expect(Array.from(dequantize(dtype, bytes, 1, blockElements))).toEqual(Array.from(weights));
    expect(weights.reduce((a, b) => a + b, 0)).toBe(c.sum);
    // A weight of two rows, both this block, read by embedding, decode (1 row of x) and prefill (2 rows).
    const two = new Uint8Array(2 * blockBytes);
    two.set(bytes, 0);
    two.set(bytes, blockBytes);
    await onEveryBuild(
      (b) => {
        const w = b.upload(two, [2, blockElements], dtype);
        return [
          b.embedding(w, b.upload(Int32Array.from([1]), [1], 'int32')),
          b.linear(b.upload(new Float32Array(blockElements).fill(1), [1, blockElements], 'float32'), w),
          b.linear(b.upload(new Float32Array(2 * blockElements).fill(1), [2, blockElements], 'float32'), w),
        ];
      },
      (name, [emb, decode, prefill]) => {
        expect(Array.from(emb!), name).toEqual(Array.from(weights));
        expect(Array.from(decode!), name).toEqual([c.sum, c.sum]);
        expect(Array.from(prefill!), name).toEqual([c.sum, c.sum, c.sum, c.sum]);
      },
    );
  });
});

describe('the runners refuse what the block kernels cannot read', () => {
  it('rows that are not whole blocks, block-format norm weights, unknown types', async () => {
    const wasm = await createWasmRunner({ threads: 1 });
    const addon = createAddonRunner(await loadCpuAddon(), 1);
    try {
      for (const runner of [wasm, addon]) {
        const x = runner.alloc('float32', 64), out = runner.alloc('float32', 64), w = runner.alloc('uint8', 4096);
        const weightRefused = runner.kind === 'wasm' ? /linear: 48 columns are not whole blocks of 32 \(wtype 7\)/ : /weight: 48 columns are not whole blocks of 32/;
        expect(() => runner.linear(x, 1, 48, 7, w, null, out, 2)).toThrow(weightRefused);
        expect(() => runner.linear(x, 1, 64, 8, w, null, out, 2)).toThrow(/not whole blocks of 256/);
        expect(() => runner.linear(x, 1, 64, 11 as never, w, null, out, 2)).toThrow(/wtype/);
        expect(() => runner.norm(x, null, w, 7 as never, null, out, 1, 64, 1e-5)).toThrow(/wtype/);
        // The byte count: 2 rows of 64 q8_0 elements are 2 · 2 · 34 bytes.
        expect(() => runner.linear(x, 1, 64, 7, w.subarray(0, 135), null, out, 2)).toThrow(/135 bytes, the kernel needs 136/);
        runner.linear(x, 1, 64, 7, w.subarray(0, 136), null, out, 2);
      }
    } finally {
      wasm.dispose();
      addon.dispose();
    }
  });
});

describe('block-format tensors on the backend', () => {
  it('supports: block formats for the matrices of embedding and the linears, nowhere else', () => {
    for (const { backend } of builds) {
      for (const q of QUANT_DTYPES) {
        expect(backend.supports('linear', ['float32', q])).toBe(true);
        expect(backend.supports('linear', ['float32', q, 'float32'])).toBe(true);
        expect(backend.supports('linearSiluMul', ['float32', q, q])).toBe(true);
        expect(backend.supports('linearMany', ['float32', q, q])).toBe(true);
        expect(backend.supports('linearMany', ['float32', q, q, 'float16', 'float16'])).toBe(true);
        expect(backend.supports('embedding', [q, 'int32'])).toBe(true);
        expect(backend.supports('rmsNorm', ['float32', q])).toBe(false);
        expect(backend.supports('linear', [q, 'float32'])).toBe(false);
        expect(backend.supports('linear', ['float32', 'float32', q])).toBe(false);
      }
    }
  });

  it('upload, uploadByRanges, zeros and read keep the block bytes', async () => {
    const dtype = 'q4_k', K = 512, M = 3;
    const bytes = quantize(dtype, weightValues(M, K, 21), M, K);
    for (const { name, backend } of builds) {
      const a = backend.upload(bytes, [M, K], dtype);
      expect(a.byteLength, name).toBe(bytes.length);
      expect(Array.from((await backend.read(a)) as Uint8Array), name).toEqual(Array.from(bytes));
      const b = await backend.uploadByRanges([M, K], dtype, async (offset, length) => bytes.slice(offset, offset + length), { chunkBytes: 100 });
      expect(Array.from((await backend.read(b)) as Uint8Array), name).toEqual(Array.from(bytes));
      const z = backend.zeros([M, K], dtype);
      const zb = (await backend.read(z)) as Uint8Array;
      expect(zb, name).toBeInstanceOf(Uint8Array);
      expect(zb.length, name).toBe(bytes.length);
      expect(zb.every((v) => v === 0), name).toBe(true);
      // A zero block dequantizes to zeros.
      const out = backend.linear(backend.upload(floats(K, 1), [1, K], 'float32'), z);
      expect(Array.from((await out.toArray()) as Float32Array).every((v) => v === 0), name).toBe(true);
      for (const t of [a, b, z, out]) t.dispose();
      expect(() => backend.zeros([2, 100], 'q8_0'), name).toThrow(/multiple of 32/);
    }
  });

  it('mapFile maps block-format tensors at any offset (the addon)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-quant-map-'));
    try {
      const dtype: DType = 'q8_0', K = 96, M = 5;
      const bytes = quantize(dtype, weightValues(M, K, 31), M, K);
      const values = dequantize(dtype, bytes, M, K);
      const file = join(dir, 'w.bin');
      const data = new Uint8Array(64 + bytes.length);
      data.set(bytes, 32); // where GGUF puts it: an offset aligned to 32
      writeFileSync(file, data);
      const mapped = builds.filter((b) => b.backend.mapFile);
      expect(mapped.length).toBeGreaterThan(0);
      const x = floats(K, 32);
      for (const { name, backend } of mapped) {
        const w = backend.mapFile!(file, 32, [M, K], dtype);
        expect(w, name).not.toBeNull();
        const out = backend.linear(backend.upload(x, [1, K], 'float32'), w!);
        expect(relativeError((await out.toArray()) as Float32Array, refLinear(x, 1, K, values, M)), name).toBeLessThan(DOT);
        // An odd offset is no obstacle for bytes.
        const odd = backend.mapFile!(file, 33, [1, 32], dtype);
        expect(odd, name).not.toBeNull();
        expect(((await backend.read(odd!)) as Uint8Array).length, name).toBe(34);
        for (const t of [w!, out, odd!]) t.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
