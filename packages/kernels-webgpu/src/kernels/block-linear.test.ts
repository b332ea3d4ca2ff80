// Block-format weights (llama.cpp's q8_0 .. q6_k) on webgpu: linear (1, 3 and 33 rows), linearMany, linearSiluMul (with
// and without biases) and embedding against float64 sums over core's `dequantize` of the same bytes (embedding bit
// for bit), weights made by core's `quantize` from seeded random floats; memory (upload, read, uploadByRanges, zeros,
// weights split across buffers on whole rows); and what `supports` answers.
import { type DType, type QuantDType, UnsupportedOpError, dequantize, narrowBlockSignatures, quantBlock, quantize } from '@cria/core';
import { SeededRandom, relativeError, seedOf } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../backend.js';
import { gpuData } from '../gpu-data.js';
import { bitDifferences } from '../testing/bit-differences.js';
import { naiveLinear } from '../testing/naive-linear.js';
import { BLOCK_KERNEL_DTYPES } from './block-formats.js';

const BOUND = 1e-5;
const M = 77;

let gpu: WebGpuBackend;
let split: WebGpuBackend;
beforeAll(async () => {
  gpu = await WebGpuBackend.create();
  split = await WebGpuBackend.create({ maxBindingBytes: 4096 });
});
afterAll(() => {
  gpu?.dispose();
  split?.dispose();
});

/** K values for a format: 256 and 512, and 96 for the 32-element formats. */
const ksOf = (dtype: QuantDType): number[] => (quantBlock(dtype).blockElements === 32 ? [96, 256, 512] : [256, 512]);

/** A [m, k] weight of `dtype` quantized by core from seeded random floats, and core's dequantization of it. */
function weightOf(dtype: QuantDType, m: number, k: number, tag: string): { bytes: Uint8Array; values: Float32Array } {
  const random = new SeededRandom(seedOf(`${dtype} ${m} ${k} ${tag}`));
  const bytes = quantize(dtype, random.floats(m * k, 0.5), m, k);
  return { bytes, values: dequantize(dtype, bytes, m, k) };
}

const floats = (n: number, tag: string, amplitude = 1) => new SeededRandom(seedOf(tag)).floats(n, amplitude);

async function f32(t: { toArray(): Promise<unknown> }): Promise<Float32Array> {
  return (await t.toArray()) as Float32Array;
}

describe.each(BLOCK_KERNEL_DTYPES)('%s weights', (dtype) => {
  for (const k of ksOf(dtype)) {
    it(`linear, K = ${k}: rows 1, 3 and 33, with and without a bias, against float64 sums of core's dequantize`, async () => {
      const w = weightOf(dtype, M, k, 'linear');
      const weight = gpu.upload(w.bytes, [M, k], dtype);
      const biasValues = floats(M, `${dtype} ${k} bias`);
      const bias = gpu.upload(biasValues, [M], 'float32');
      for (const rows of [1, 3, 33]) {
        const xValues = floats(rows * k, `${dtype} ${k} x ${rows}`);
        const x = gpu.upload(xValues, [rows, k], 'float32');
        for (const withBias of [false, true]) {
          const y = gpu.linear(x, weight, withBias ? bias : undefined);
          expect(y.shape).toEqual([rows, M]);
          const got = await f32(y);
          const expected = naiveLinear(xValues, w.values, withBias ? biasValues : null, M, k);
          expect(relativeError(got, expected), `rows ${rows}, bias ${withBias}`).toBeLessThanOrEqual(BOUND);
          // The last row's last columns on their own (a skipped workgroup or row group cannot hide in the norm).
          expect(relativeError(got.slice(-5), expected.slice(-5))).toBeLessThanOrEqual(BOUND);
          y.dispose();
        }
        x.dispose();
      }
      weight.dispose();
      bias.dispose();
    });
  }

  it('linearMany (q, k, v of different M; with biases and without) gives linear per weight, bit for bit, within the bound', async () => {
    const k = 256;
    const ms = [M, 32, 40];
    const ws = ms.map((m, i) => weightOf(dtype, m, k, `many ${i}`));
    const weights = ws.map((w, i) => gpu.upload(w.bytes, [ms[i]!, k], dtype));
    const biasValues = ms.map((m, i) => floats(m, `${dtype} many bias ${i}`));
    const biases = biasValues.map((b, i) => gpu.upload(b, [ms[i]!], 'float32'));
    for (const rows of [1, 33]) {
      const xValues = floats(rows * k, `${dtype} many x ${rows}`);
      const x = gpu.upload(xValues, [rows, k], 'float32');
      for (const withBias of [false, true]) {
        const outs = gpu.linearMany(x, weights, withBias ? biases : undefined);
        for (const [i, out] of outs.entries()) {
          expect(out.shape).toEqual([rows, ms[i]]);
          const got = await f32(out);
          expect(relativeError(got, naiveLinear(xValues, ws[i]!.values, withBias ? biasValues[i]! : null, ms[i]!, k))).toBeLessThanOrEqual(BOUND);
          const alone = gpu.linear(x, weights[i]!, withBias ? biases[i] : undefined);
          expect(bitDifferences(got, await f32(alone))).toBe(0);
          alone.dispose();
          out.dispose();
        }
      }
      x.dispose();
    }
    for (const t of [...weights, ...biases]) t.dispose();
  });

  it('linearSiluMul (with and without biases) gives silu(x·gateᵀ + gb) * (x·upᵀ + ub) within the bound', async () => {
    const k = ksOf(dtype)[0]!;
    const g = weightOf(dtype, M, k, 'gate');
    const u = weightOf(dtype, M, k, 'up');
    const gate = gpu.upload(g.bytes, [M, k], dtype);
    const up = gpu.upload(u.bytes, [M, k], dtype);
    const gbValues = floats(M, `${dtype} gb`);
    const ubValues = floats(M, `${dtype} ub`);
    const gb = gpu.upload(gbValues, [M], 'float32');
    const ub = gpu.upload(ubValues, [M], 'float32');
    for (const rows of [1, 3, 33]) {
      const xValues = floats(rows * k, `${dtype} silu x ${rows}`);
      const x = gpu.upload(xValues, [rows, k], 'float32');
      for (const withBias of [false, true]) {
        const y = gpu.linearSiluMul(x, gate, up, withBias ? gb : undefined, withBias ? ub : undefined);
        expect(y.shape).toEqual([rows, M]);
        const gs = naiveLinear(xValues, g.values, withBias ? gbValues : null, M, k);
        const us = naiveLinear(xValues, u.values, withBias ? ubValues : null, M, k);
        const expected = gs.map((a, i) => (a / (1 + Math.exp(-a))) * us[i]!);
        expect(relativeError(await f32(y), expected), `rows ${rows}, bias ${withBias}`).toBeLessThanOrEqual(BOUND);
        y.dispose();
      }
      x.dispose();
    }
    for (const t of [gate, up, gb, ub]) t.dispose();
  });

  it("embedding gives core's dequantized rows bit for bit (whole and split across buffers), zeros for ids out of range", async () => {
    for (const k of ksOf(dtype)) {
      const w = weightOf(dtype, M, k, 'embedding');
      const ids = Int32Array.of(0, 76, 5, 5, 40, -1, 77, 13);
      for (const backend of [gpu, split]) {
        const weight = backend.upload(w.bytes, [M, k], dtype);
        const idsTensor = backend.upload(ids, [2, 4], 'int32');
        const out = backend.embedding(weight, idsTensor);
        expect(out.shape).toEqual([2, 4, k]);
        const expected = new Float32Array(ids.length * k);
        ids.forEach((id, r) => {
          if (id >= 0 && id < M) expected.set(w.values.subarray(id * k, (id + 1) * k), r * k);
        });
        expect(bitDifferences(await f32(out), expected), `K ${k}, ${backend === split ? 'split' : 'whole'}`).toBe(0);
        for (const t of [weight, idsTensor, out]) t.dispose();
      }
    }
  });

  it('a weight split across buffers (on whole rows) gives what the whole weight gives, for every op, bit for bit', async () => {
    // The smallest K: x [3, K] must fit the split backend's 4 KiB bindings; the weight (over 4 KiB) is split.
    const k = ksOf(dtype)[0]!;
    const g = weightOf(dtype, M, k, 'split gate');
    const u = weightOf(dtype, M, k, 'split up');
    const results: Float32Array[][] = [];
    for (const backend of [gpu, split]) {
      const gate = backend.upload(g.bytes, [M, k], dtype);
      const up = backend.upload(u.bytes, [M, k], dtype);
      if (backend === split) {
        const { chunks, chunkElements } = gpuData(gate);
        expect(chunks.length).toBeGreaterThan(1);
        expect(chunkElements % k).toBe(0);
      }
      const x = backend.upload(floats(3 * k, `${dtype} split x`), [3, k], 'float32');
      const outs = [backend.linear(x, gate), backend.linearSiluMul(x, gate, up), ...backend.linearMany(x, [gate, up])];
      results.push(await Promise.all(outs.map(f32)));
      expect(await backend.read(gate)).toEqual(g.bytes);
      for (const t of [gate, up, x, ...outs]) t.dispose();
    }
    for (const [i, got] of results[1]!.entries()) expect(bitDifferences(got, results[0]![i]!), `output ${i}`).toBe(0);
  });
});

describe('biases in other dtypes', () => {
  it.each(['float16', 'bfloat16'] as const)('a %s bias with q4_k and q8_0 weights (linear and linearSiluMul), on both f16 paths', async (biasDType) => {
    const { float32ArrayToFloat16, float16ArrayToFloat32, float32ArrayToBfloat16, bfloat16ArrayToFloat32 } = await import('@cria/core');
    const unpacked = await WebGpuBackend.create({ useShaderF16: false });
    try {
      for (const backend of [gpu, unpacked]) {
        for (const dtype of ['q4_k', 'q8_0'] as const) {
          const k = 256;
          const w = weightOf(dtype, M, k, 'f16 bias');
          const bits = biasDType === 'float16' ? float32ArrayToFloat16(floats(M, 'f16 bias b')) : float32ArrayToBfloat16(floats(M, 'f16 bias b'));
          const biasValues = biasDType === 'float16' ? float16ArrayToFloat32(bits) : bfloat16ArrayToFloat32(bits);
          const weight = backend.upload(w.bytes, [M, k], dtype);
          const bias = backend.upload(bits, [M], biasDType);
          const xValues = floats(2 * k, 'f16 bias x');
          const x = backend.upload(xValues, [2, k], 'float32');
          const y = backend.linear(x, weight, bias);
          const expected = naiveLinear(xValues, w.values, biasValues, M, k);
          expect(relativeError(await f32(y), expected)).toBeLessThanOrEqual(BOUND);
          const z = backend.linearSiluMul(x, weight, weight, bias, bias);
          expect(relativeError(await f32(z), expected.map((a) => (a / (1 + Math.exp(-a))) * a))).toBeLessThanOrEqual(BOUND);
          for (const t of [weight, bias, x, y, z]) t.dispose();
        }
      }
    } finally {
      unpacked.dispose();
    }
  });
});

describe('block-format memory', () => {
  it('upload and read round-trip the blocks byte for byte (odd byte lengths padded on the device)', async () => {
    for (const dtype of BLOCK_KERNEL_DTYPES) {
      const { blockElements, blockBytes } = quantBlock(dtype);
      const w = weightOf(dtype, 3, blockElements, 'roundtrip');
      expect(w.bytes.length).toBe(3 * blockBytes);
      const t = gpu.upload(w.bytes, [3, blockElements], dtype);
      expect(t.byteLength).toBe(3 * blockBytes);
      const back = await gpu.read(t);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(back).toEqual(w.bytes);
      t.dispose();
    }
  });

  it('uploadByRanges fills block tensors (whole and split on rows) exactly, with ranges that cut words', async () => {
    for (const dtype of ['q4_0', 'q6_k', 'q8_0'] as const) {
      const k = quantBlock(dtype).blockElements * 3;
      const w = weightOf(dtype, M, k, 'ranges');
      for (const backend of [gpu, split]) {
        const t = await backend.uploadByRanges([M, k], dtype, async (offset, length) => w.bytes.slice(offset, offset + length), { chunkBytes: 333 });
        expect(await backend.read(t)).toEqual(w.bytes);
        t.dispose();
      }
    }
  });

  it('zeros of a block format is its byte length of zeros', async () => {
    const t = gpu.zeros([5, 256], 'q4_k');
    expect(t.byteLength).toBe(5 * 144);
    expect(Array.from(await gpu.read(t) as Uint8Array)).toEqual(new Array(5 * 144).fill(0));
    t.dispose();
  });

  it('a [4096, 4096] q4_k weight takes 9437184 bytes on the device, against 33554432 as float16', () => {
    const q = gpu.zeros([4096, 4096], 'q4_k');
    const h = gpu.supports('linear', [{ dtype: 'float32', shape: [1, 4096] }, { dtype: 'q4_k', shape: [4096, 4096] }]);
    expect(h).toBe(true);
    expect(q.byteLength).toBe(9437184);
    expect(4096 * 4096 * 2).toBe(33554432);
    // Within a 16 MiB budget the q4_k weight fits one binding; its float16 form does not.
    const budget = 16 * 1024 * 1024;
    expect(q.byteLength).toBeLessThanOrEqual(budget);
    expect(gpuData(q).chunks.length).toBe(1);
    expect(gpuData(q).chunks[0]!.size).toBeLessThanOrEqual(budget);
    q.dispose();
    const f16Bytes = 4096 * 4096 * 2;
    expect(f16Bytes).toBeGreaterThan(budget);
  });
});

describe('supports', () => {
  const x: { dtype: DType; shape: number[] } = { dtype: 'float32', shape: [1, 256] };
  it('answers true for the implemented block formats in embedding and the linear ops, and keeps biases and norms float', () => {
    for (const dtype of BLOCK_KERNEL_DTYPES) {
      const w = { dtype, shape: [M, 256] };
      expect(gpu.supports('linear', [x, w])).toBe(true);
      expect(gpu.supports('linearSiluMul', [x, w, w])).toBe(true);
      expect(gpu.supports('linearMany', [x, w, w])).toBe(true);
      expect(gpu.supports('embedding', [w, { dtype: 'int32', shape: [3] }])).toBe(true);
      expect(gpu.supports('linear', [x, w, { dtype, shape: [M] }])).toBe(false);
      expect(gpu.supports('rmsNorm', [x, { dtype, shape: [256] }])).toBe(false);
    }
  });

  it('a narrowed table refuses a format left out, by name', () => {
    const rows = narrowBlockSignatures(['q8_0']);
    expect(rows.linear!.required[1]).toEqual(['float32', 'float16', 'bfloat16', 'q8_0']);
    expect(rows.linearMany!.repeated![0]).toEqual(['float32', 'float16', 'bfloat16', 'q8_0']);
    expect(rows.embedding!.required[0]).not.toContain('q4_k');
  });

  it('refuses mixed gate and up formats with UnsupportedOpError', () => {
    const a = gpu.upload(weightOf('q8_0', M, 256, 'mix').bytes, [M, 256], 'q8_0');
    const b = gpu.upload(weightOf('q4_k', M, 256, 'mix').bytes, [M, 256], 'q4_k');
    const xt = gpu.upload(floats(256, 'mix x'), [1, 256], 'float32');
    expect(() => gpu.linearSiluMul(xt, a, b)).toThrow(UnsupportedOpError);
    for (const t of [a, b, xt]) t.dispose();
  });
});
