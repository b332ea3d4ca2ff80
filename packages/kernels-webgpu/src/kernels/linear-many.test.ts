// linearMany on webgpu: one dispatch for several weights of one K (the segmented kernels) that gives, bit for bit,
// what linear gives with each weight on the same device, checked on shapes that reach every kernel (narrow, scalar,
// pairs, vec4, tiled), against a naive float64 computation written here; the fallbacks (weights split across
// buffers, more weights than one dispatch's storage bindings take) with their dispatch counts; and clear errors.
import { type DType, UnsupportedOpError } from '@cria/core';
import { BOUND, SeededRandom, relativeError, seedOf } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../backend.js';
import { gpuData } from '../gpu-data.js';
import { bitDifferences } from '../testing/bit-differences.js';
import { naiveLinear } from '../testing/naive-linear.js';
import { uploadWeight } from '../testing/upload-weight.js';
import { manyBindings } from './linear-many.js';

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

interface ManyCase {
  /** Which kernel the shape reaches. */
  kernel: string;
  x: number[];
  /** Each weight's out_features. */
  ms: number[];
  weight: DType;
  /** The biases' dtype, or none. */
  bias: DType | null;
}

/** Uploads random inputs for a case on `backend`; returns the tensors and the float64 reference of each output. */
function inputs(backend: WebGpuBackend, c: ManyCase) {
  const k = c.x[c.x.length - 1]!;
  const random = new SeededRandom(seedOf(`${c.kernel} ${c.x.join(',')} ${c.ms.join('|')} ${c.weight} ${c.bias}`));
  const xValues = random.floats(c.x.reduce((p, d) => p * d, 1), 1);
  const weights = c.ms.map((m) => uploadWeight(backend, random.floats(m * k, 0.2), [m, k], c.weight));
  const biases = c.bias ? c.ms.map((m) => uploadWeight(backend, random.floats(m, 1), [m], c.bias!)) : null;
  const x = backend.upload(xValues, c.x, 'float32');
  const references = c.ms.map((m, i) => naiveLinear(xValues, weights[i]!.widened, biases?.[i]!.widened ?? null, m, k));
  return {
    x,
    weights: weights.map((w) => w.tensor),
    biases: biases?.map((b) => b.tensor),
    references,
    tensors: [x, ...weights.map((w) => w.tensor), ...(biases ?? []).map((b) => b.tensor)],
  };
}

/** Runs linearMany and linear per weight on `backend`; checks shapes, bit equality and the float64 bound; returns linearMany's dispatches. */
async function expectLinearPerWeight(backend: WebGpuBackend, c: ManyCase): Promise<number> {
  const { x, weights, biases, references, tensors } = inputs(backend, c);
  const before = backend.stats.dispatches;
  const outs = backend.linearMany(x, weights, biases);
  const dispatches = backend.stats.dispatches - before;
  expect(outs.map((t) => t.shape)).toEqual(c.ms.map((m) => [...c.x.slice(0, -1), m]));
  const apart = weights.map((w, i) => backend.linear(x, w, biases?.[i]));
  for (const [i, out] of outs.entries()) {
    const got = (await out.toArray()) as Float32Array;
    // Each column summed as linear's kernel sums it: bit for bit linear with that weight.
    expect(bitDifferences(got, (await apart[i]!.toArray()) as Float32Array), `values of output ${i} that differ in bits from linear`).toBe(0);
    expect(relativeError(got, references[i]!)).toBeLessThanOrEqual(BOUND.reduction);
    // The last columns on their own, so a skipped workgroup at a segment's end cannot hide in the norm.
    const m = c.ms[i]!;
    const tail = (a: ArrayLike<number>) => Array.from(a).slice(a.length - Math.min(m, 5));
    expect(relativeError(tail(got), tail(references[i]!))).toBeLessThanOrEqual(BOUND.reduction);
  }
  for (const t of [...tensors, ...outs, ...apart]) t.dispose();
  return dispatches;
}

// Every kernel the op picks: K <= 128 (narrow, one thread per column), K odd (scalar lanes), K even not a multiple
// of 4 (pairs), K a multiple of 4 (vec4), more than 8 rows (tiled, with tile edges); segments that do not fill their
// last workgroup; with and without biases, across the weight dtypes, bias dtypes other than the weights'.
const CASES: readonly ManyCase[] = [
  { kernel: 'narrow', x: [1, 1, 77], ms: [129, 33, 33], weight: 'float32', bias: null },
  { kernel: 'narrow', x: [3, 77], ms: [129, 33, 33], weight: 'float16', bias: 'float16' },
  { kernel: 'matvec scalar', x: [2, 301], ms: [40, 17, 17], weight: 'bfloat16', bias: 'float32' },
  { kernel: 'matvec pairs', x: [1, 1, 258], ms: [50, 3], weight: 'float16', bias: null },
  { kernel: 'matvec vec4', x: [8, 516], ms: [45, 16, 16], weight: 'float32', bias: 'float32' },
  { kernel: 'matvec vec4', x: [1, 1, 256], ms: [256, 64, 64, 7], weight: 'bfloat16', bias: null },
  { kernel: 'tiled', x: [2, 9, 64], ms: [96, 32, 32], weight: 'float32', bias: null },
  { kernel: 'tiled', x: [33, 130], ms: [70, 33, 1], weight: 'float16', bias: 'bfloat16' },
];

describe('linearMany on webgpu', () => {
  it('is supported for float32 x, weights of one dtype, and a bias of one dtype for each weight or none', () => {
    for (const w of ['float32', 'float16', 'bfloat16'] as const) {
      expect(gpu.supports('linearMany', ['float32', w])).toBe(true);
      expect(gpu.supports('linearMany', ['float32', w, w, w])).toBe(true);
      for (const b of ['float32', 'float16', 'bfloat16'] as const) expect(gpu.supports('linearMany', ['float32', w, w, w, b, b, b])).toBe(true);
    }
    expect(gpu.supports('linearMany', ['float32'])).toBe(false);
    expect(gpu.supports('linearMany', ['float16', 'float16'])).toBe(false);
    expect(gpu.supports('linearMany', ['float32', 'float16', 'bfloat16', 'float16'])).toBe(false);
    expect(gpu.supports('linearMany', ['float32', 'float16', 'float16', 'float32'])).toBe(false);
    expect(gpu.supports('linearMany', ['float32', 'float16', 'bfloat16', 'float32', 'float32'])).toBe(false);
    expect(gpu.supports('linearMany', ['float32', 'float16', 'float16', 'float32', 'bfloat16'])).toBe(false);
    expect(gpu.supports('linearMany', ['float32', 'int32', 'int32'])).toBe(false);
  });

  it('binds q, k and v with their biases in one dispatch on every device (10 storage buffers; the spec grants 8 by default, the backend asks for 10)', () => {
    expect(manyBindings(3, true)).toBe(10);
    expect(manyBindings(3, false)).toBe(7);
    expect(gpu.gpuDevice.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(manyBindings(3, true));
  });

  it.each(CASES)('$kernel: x$x, M=$ms, $weight weights, biases $bias: linear per weight in one dispatch', async (c) => {
    expect(await expectLinearPerWeight(gpu, c)).toBe(1);
  });

  it('one weight: linear itself (one dispatch)', async () => {
    expect(await expectLinearPerWeight(gpu, { kernel: 'one', x: [2, 4099], ms: [67], weight: 'float16', bias: null })).toBe(1);
  });

  it('weights split across 4 KiB bindings run as linear (one dispatch per chunk), the others still together', async () => {
    const c: ManyCase = { kernel: 'split', x: [2, 1, 77], ms: [300, 10, 10], weight: 'float32', bias: 'float32' };
    const probe = inputs(split, c);
    const chunks = probe.weights.map((w) => gpuData(w).chunks.length);
    for (const t of probe.tensors) t.dispose();
    expect(chunks[0]).toBeGreaterThan(10);
    expect(chunks.slice(1)).toEqual([1, 1]);
    expect(await expectLinearPerWeight(split, c)).toBe(chunks[0]! + 1);
    // Prefill rows too (the tiled kernels).
    expect(await expectLinearPerWeight(split, { ...c, x: [12, 77], weight: 'bfloat16', bias: null })).toBeGreaterThan(1);
  });

  it.each([
    { bias: null, count: 9 },
    { bias: 'float16', count: 7 },
  ] as const)('more weights than one dispatch binds (biases $bias, $count weights): one dispatch per group that fits', async ({ bias, count }) => {
    const limit = gpu.gpuDevice.limits.maxStorageBuffersPerShaderStage;
    let perGroup = 1;
    while (manyBindings(perGroup + 1, bias !== null) <= limit) perGroup++;
    expect(perGroup).toBeLessThan(count);
    const ms = Array.from({ length: count }, (_, i) => 20 + 7 * i);
    const dispatches = await expectLinearPerWeight(gpu, { kernel: 'over the binding limit', x: [1, 300], ms, weight: 'float16', bias });
    expect(dispatches).toBe(Math.ceil(count / perGroup));
  });

  it('gives empty outputs without a dispatch for x with no rows, and an empty output for a weight with no rows', async () => {
    const x = gpu.zeros([0, 4], 'float32');
    const w = gpu.upload(new Float32Array(12), [3, 4], 'float32');
    const none = gpu.zeros([0, 4], 'float32');
    let before = gpu.stats.dispatches;
    const outs = gpu.linearMany(x, [w, w]);
    expect(gpu.stats.dispatches).toBe(before);
    expect(outs.map((t) => t.shape)).toEqual([[0, 3], [0, 3]]);
    const x1 = gpu.upload(Float32Array.of(1, 2, 3, 4), [1, 4], 'float32');
    before = gpu.stats.dispatches;
    const mixed = gpu.linearMany(x1, [w, none]);
    expect(gpu.stats.dispatches - before).toBe(1);
    expect(mixed.map((t) => t.shape)).toEqual([[1, 3], [1, 0]]);
    expect((await mixed[1]!.toArray()).length).toBe(0);
    for (const t of [x, w, none, x1, ...outs, ...mixed]) t.dispose();
  });

  // Bad arguments are the op-conformance bad-arguments table's, run on every backend; K = 0 is this device's limit.
  it('says K = 0 is unsupported (the linear kernels need K > 0), in supports and in the op', () => {
    const x = gpu.zeros([2, 0], 'float32');
    const w = gpu.zeros([3, 0], 'float32');
    expect(gpu.supports('linearMany', [x, w, w])).toBe(false);
    expect(() => gpu.linearMany(x, [w, w])).toThrow(UnsupportedOpError);
    expect(() => gpu.linearMany(x, [w, w])).toThrow(/the linear kernels need in_features \(K\) > 0/);
    for (const t of [x, w]) t.dispose();
  });
});
