import {
  ArgumentError, CriaError, HOST, availableBackends, getBackend, UnsupportedOpError, bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16, hostTensor,
} from '@cria/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from './backend.js';
import type { TypedArray } from '@cria/core';

const numbers = (data: TypedArray): number[] => Array.from(data as ArrayLike<number>);
import { createBackend, probe } from './index.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await WebGpuBackend.create();
});
afterAll(() => gpu?.dispose());

describe('probe and createBackend', () => {
  it('probe says webgpu is available here (Dawn on lavapipe) without throwing', async () => {
    await expect(probe()).resolves.toEqual({ available: true });
  });

  it("the core registry: by name getBackend starts it on lavapipe; 'auto' passes over a software adapter, saying why", async () => {
    // Mesa's lavapipe (what CI has) is a software rasteriser: 'auto' leaves it for the cpu backend.
    const webgpu = (await availableBackends()).find((b) => b.name === 'webgpu');
    expect(webgpu).toMatchObject({ name: 'webgpu', available: false });
    expect(webgpu!.reason).toMatch(/fallback \(software\) adapter|software rasteriser/);
    expect(webgpu!.reason).toMatch(/ask for device 'webgpu' by name/);
    expect(await probe()).toEqual({ available: true });
    expect((await probe({ auto: true })).available).toBe(false);
    const backend = await getBackend('webgpu');
    expect(backend.name).toBe('webgpu');
    expect(backend).not.toBe(gpu);
  });

  it('createBackend starts a backend named webgpu that describes its adapter', async () => {
    const backend = await createBackend();
    expect(backend.name).toBe('webgpu');
    expect(backend.description).toMatch(/webgpu \(Dawn\)|navigator\.gpu/);
    backend.dispose();
    expect(() => backend.zeros([1], 'float32')).toThrow(CriaError);
  });
});

describe('memory', () => {
  it('round-trips every dtype it stores, including odd-length two-byte arrays', async () => {
    const f16 = Uint16Array.of(0x3c00, 0x8001, 0x7bff);
    expect(numbers(await gpu.upload(f16, [3], 'float16').toArray())).toEqual(Array.from(f16));
    const i64 = BigInt64Array.of(-5n, 1n << 40n);
    expect(Array.from((await gpu.upload(i64, [2], 'int64').toArray()) as BigInt64Array)).toEqual(Array.from(i64));
    const u8 = Uint8Array.of(1, 2, 3, 4, 5);
    expect(numbers(await gpu.upload(u8, [5], 'uint8').toArray())).toEqual([1, 2, 3, 4, 5]);
  });

  it('uploads a large tensor (filled while mapped at creation) exactly, whole and split', async () => {
    const values = Float32Array.from({ length: 5 * 1024 * 1024 + 3 }, (_, i) => (i % 977) - 488.5);
    const differences = (a: Float32Array, b: Float32Array) => {
      let count = Math.abs(a.length - b.length);
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) count++;
      return count;
    };
    const whole = gpu.upload(values, [values.length], 'float32');
    expect(differences((await whole.toArray()) as Float32Array, values)).toBe(0);
    whole.dispose();
    const split = await WebGpuBackend.create({ maxBindingBytes: 17 * 1024 * 1024 });
    const rows = split.upload(values.subarray(0, 5 * 1024 * 1024), [5 * 1024, 1024], 'float32');
    expect(rows.storage.handle).toMatchObject({ chunkElements: 4352 * 1024 });
    expect(differences((await rows.toArray()) as Float32Array, values.subarray(0, 5 * 1024 * 1024))).toBe(0);
    split.dispose();
  });

  it('zeros are zero even in a recycled buffer', async () => {
    const filled = gpu.upload(new Float32Array(1000).fill(7), [1000], 'float32');
    await filled.toArray();
    filled.dispose();
    const zeros = gpu.zeros([1000], 'float32');
    expect((await zeros.toArray()).every((v) => v === 0)).toBe(true);
    zeros.dispose();
  });

  it('a large output disposed before its work is submitted is destroyed only after the submit', async () => {
    const elements = 5 * 1024 * 1024; // 20 MiB: above the pooling limit, so it is destroyed rather than pooled
    const a = gpu.zeros([elements], 'float32');
    for (let i = 0; i < 3; i++) gpu.add(a, a).dispose();
    await gpu.synchronize(); // a destroyed buffer used in the submit would raise a validation error here
    const kept = gpu.add(a, a);
    expect((await kept.toArray()).length).toBe(elements);
    for (const t of [a, kept]) t.dispose();
  });

  it('refuses to allocate an op output or zeros larger than one binding, saying so', () => {
    const elements = Math.floor(gpu.maxBindingBytes / 4) + 1;
    expect(() => gpu.zeros([elements], 'float32')).toThrow(/larger than one WebGPU binding .*only uploaded weights are split/);
  });

  it('rejects data that does not match the dtype or the shape, naming the problem', () => {
    expect(() => gpu.upload(new Float32Array(4), [4], 'float16')).toThrow(/upload: data for dtype float16 must be a Uint16Array, got Float32Array/);
    expect(() => gpu.upload(new Float32Array(4), [5], 'float32')).toThrow(/does not fill shape \[5\]/);
  });
});

describe('op checks', () => {
  it('refuses tensors of another backend and dtypes it does not support, never falling back', () => {
    const host = hostTensor(new Float32Array(4), [4], 'float32', HOST);
    const x = gpu.upload(new Float32Array(4), [1, 4], 'float32');
    expect(() => gpu.softmax(host)).toThrow(ArgumentError);
    const half = gpu.upload(new Uint16Array(4), [1, 4], 'float16');
    expect(gpu.supports('softmax', ['float16'])).toBe(false);
    expect(() => gpu.softmax(half)).toThrow(UnsupportedOpError);
    expect(() => gpu.cast(x, 'int64')).toThrow(UnsupportedOpError);
    expect(gpu.supports('linear', ['float32', 'bfloat16', 'float16'])).toBe(true);
    expect(gpu.supports('linear', ['float32', 'int32'])).toBe(false);
    expect(gpu.supports('attention', ['float32', 'float32', 'float32', 'int32'])).toBe(true);
  });

  it('names the argument that is out of its domain (the op contract of @cria/core)', () => {
    const x = gpu.upload(new Float32Array(6), [1, 6], 'float32');
    const w = gpu.upload(new Float32Array(10), [2, 5], 'float32');
    expect(() => gpu.linear(x, w)).toThrow(/linear: x \[1, 6\] float32 must have 5 \(weight's in_features/);
    expect(() => gpu.topk(x, 7)).toThrow(/topk: k must be an integer in \[0, 6\]/);
    const cache = gpu.zeros([1, 1, 4, 6], 'float32');
    const src = gpu.upload(new Float32Array(12), [1, 2, 6], 'float32');
    expect(() => gpu.kvWrite(cache, src, 3)).toThrow(/kvWrite: offset must be an integer in \[0, 2\]/);
    expect(() => gpu.attention(src, cache, cache, { numHeads: 1, numKvHeads: 1, headDim: 6, kvLength: 5, scale: 1 })).toThrow(/kvLength/);
  });
});

describe('device limits: supports() answers them for TensorSpecs, the ops refuse them as unsupported', () => {
  const spec = (dtype: 'float32' | 'float16' | 'int32', ...shape: number[]) => ({ dtype, shape });

  it('an output larger than one storage binding', () => {
    const rows = Math.floor(gpu.maxBindingBytes / 4 / 1024) + 1; // [rows, 1024] float32 is just over one binding
    const x = spec('float32', rows, 8);
    expect(gpu.supports('linear', [x, spec('float16', 1024, 8)])).toBe(false);
    expect(gpu.supports('linear', [x, spec('float16', 512, 8)])).toBe(true);
    expect(gpu.supports('linear', ['float32', 'float16'])).toBe(true);
    expect(gpu.supports('embedding', [spec('float32', 10, 1024), spec('int32', rows)])).toBe(false);
  });

  it('an input that is not a weight may not be split across buffers; weights may', async () => {
    const small = await WebGpuBackend.create({ maxBindingBytes: 4096 });
    try {
      const wide = spec('float32', 2, 1025); // 8200 bytes: split when uploaded
      expect(small.supports('softmax', [wide])).toBe(false);
      expect(small.supports('linear', [spec('float32', 1, 1000), spec('float32', 3, 1000)])).toBe(true); // a [3, 1000] weight is split
      const x = small.upload(new Float32Array(4 * 512), [4, 512], 'float32');
      expect(x.storage.handle).toMatchObject({ chunkElements: 1024 });
      expect(small.supports('softmax', [x])).toBe(false);
      expect(() => small.softmax(x)).toThrow(UnsupportedOpError);
      expect(() => small.softmax(x)).toThrow(/x \[4, 512\] float32 is larger than one WebGPU binding \(4096 bytes\)/);
    } finally {
      small.dispose();
    }
  });

  it('attentionWeights: the probabilities [B, heads, S, kvLength] must fit one binding', () => {
    // 1024 heads of size 1, 64 queries: [1, 1024, 64, maxLength] floats pass one binding; up to a mask's 64 slots they do not.
    const maxLength = Math.ceil(gpu.maxBindingBytes / (1024 * 64 * 4)) + 1;
    const q = spec('float32', 1, 64, 1024);
    const cache = spec('float32', 1, 1, maxLength, 1);
    expect(gpu.supports('attentionWeights', [q, cache])).toBe(false);
    expect(gpu.supports('attentionWeights', [q, cache, spec('float32', 1, 64)])).toBe(true);
  });
});

describe('argmax and topk on ties', () => {
  it('takes the lowest index among equal values, as a stable descending sort does', async () => {
    const row = [1, 5, -2, 5, 3, 5, 3, -Infinity, 5];
    const x = gpu.upload(Float32Array.from([...row, ...row.map((v) => -v)]), [2, row.length], 'float32');
    const expectedOrder = (values: number[]) => values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
    const first = expectedOrder(row);
    const second = expectedOrder(row.map((v) => -v));
    expect(numbers(await gpu.argmax(x).toArray())).toEqual([first[0]!.i, second[0]!.i]);
    const { values, indices } = gpu.topk(x, 6);
    expect(numbers(await indices.toArray())).toEqual([...first.slice(0, 6).map((e) => e.i), ...second.slice(0, 6).map((e) => e.i)]);
    expect(numbers(await values.toArray())).toEqual([...first.slice(0, 6).map((e) => e.v), ...second.slice(0, 6).map((e) => e.v)]);
  });
});

describe('cast corners, against the host conversions of @cria/core', () => {
  const corners = [
    0, -0, 1, -1, 65504, 65519.99, 65520, 1e6, -1e6, Infinity, -Infinity, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1e-40, -1e-45, 3.4028234663852886e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 0.1, 123.456,
  ];

  it('float32 -> float16 and bfloat16 round to nearest even, bit for bit (subnormals, overflow, ties)', async () => {
    const x = gpu.upload(Float32Array.from(corners), [corners.length], 'float32');
    const f16 = numbers(await gpu.cast(x, 'float16').toArray());
    const bf16 = numbers(await gpu.cast(x, 'bfloat16').toArray());
    expect(f16).toEqual(corners.map((v) => float32ToFloat16(Math.fround(v))));
    expect(bf16).toEqual(corners.map((v) => float32ToBfloat16(Math.fround(v))));
  });

  it('float16 and bfloat16 -> float32 are exact for every non-NaN bit pattern', async () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const isNaN16 = (b: number) => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
    const isNaNbf = (b: number) => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;
    const f32 = (await gpu.cast(gpu.upload(bits, [65536], 'float16'), 'float32').toArray()) as Float32Array;
    const fromBf = (await gpu.cast(gpu.upload(bits, [65536], 'bfloat16'), 'float32').toArray()) as Float32Array;
    for (let b = 0; b < 65536; b++) {
      if (!isNaN16(b) && !Object.is(f32[b], float16ToFloat32(b))) throw new Error(`float16 ${b.toString(16)}: ${f32[b]} != ${float16ToFloat32(b)}`);
      if (isNaN16(b)) expect(Number.isNaN(f32[b])).toBe(true);
      if (!isNaNbf(b) && !Object.is(fromBf[b], bfloat16ToFloat32(b))) throw new Error(`bfloat16 ${b.toString(16)}: ${fromBf[b]} != ${bfloat16ToFloat32(b)}`);
    }
  });
});
