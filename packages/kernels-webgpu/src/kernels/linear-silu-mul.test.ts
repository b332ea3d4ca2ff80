// linearSiluMul on webgpu: one dispatch per weight chunk that gives what linear, linear, siluMul give on the same
// device, checked on shapes that reach every kernel (narrow, scalar, pairs, vec4, tiled) and split weights,
// against those three ops and against a naive float64 computation written here; and clear errors for bad arguments.
import { type DType, UnsupportedOpError } from '@cria/core';
import { BOUND, SeededRandom, relativeError, seedOf } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../backend.js';
import { gpuData } from '../gpu-data.js';
import { bitDifferences } from '../testing/bit-differences.js';
import { naiveLinear } from '../testing/naive-linear.js';
import { uploadWeight } from '../testing/upload-weight.js';
import { GUARANTEED_WORKGROUP_BYTES, matvecWorkgroupBytes } from './linear-sources.js';

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

/** The naive reference: silu(gate projection) * up projection, in float64. */
function naive(x: Float32Array, gate: Float32Array, up: Float32Array, biases: [Float32Array, Float32Array] | null, m: number, k: number): Float64Array {
  const g = naiveLinear(x, gate, biases?.[0] ?? null, m, k);
  const u = naiveLinear(x, up, biases?.[1] ?? null, m, k);
  return g.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[i]!);
}

interface GatedCase {
  /** Which kernel the shape reaches. */
  kernel: string;
  x: number[];
  m: number;
  weight: DType;
  /** The biases' dtype, or none. */
  bias: DType | null;
}

/** Uploads random inputs for a case on `backend`; returns the tensors and the float32 values they hold. */
function inputs(backend: WebGpuBackend, c: GatedCase) {
  const k = c.x[c.x.length - 1]!;
  const random = new SeededRandom(seedOf(`${c.kernel} ${c.x.join(',')} ${c.m} ${c.weight} ${c.bias}`));
  const xValues = random.floats(c.x.reduce((p, d) => p * d, 1), 1);
  const gate = uploadWeight(backend, random.floats(c.m * k, 0.2), [c.m, k], c.weight);
  const up = uploadWeight(backend, random.floats(c.m * k, 0.2), [c.m, k], c.weight);
  const biases = c.bias ? [uploadWeight(backend, random.floats(c.m, 1), [c.m], c.bias), uploadWeight(backend, random.floats(c.m, 1), [c.m], c.bias)] as const : null;
  const x = backend.upload(xValues, c.x, 'float32');
  const reference = naive(xValues, gate.widened, up.widened, biases ? [biases[0].widened, biases[1].widened] : null, c.m, k);
  const tensors = [x, gate.tensor, up.tensor, ...(biases ? [biases[0].tensor, biases[1].tensor] : [])];
  return { x, gate: gate.tensor, up: up.tensor, gateBias: biases?.[0].tensor, upBias: biases?.[1].tensor, reference, tensors };
}

// Every kernel the op picks: K <= 128 (narrow, one thread per column), K odd (scalar lanes), K even not a multiple
// of 4 (pairs), K a multiple of 4 (vec4), and more than 8 rows (tiled, with tile edges); each with and without biases
// and across the weight dtypes, mixed bias dtypes included.
const CASES: readonly GatedCase[] = [
  { kernel: 'narrow', x: [1, 1, 77], m: 129, weight: 'float32', bias: null },
  { kernel: 'narrow', x: [3, 77], m: 129, weight: 'float16', bias: 'float16' },
  { kernel: 'matvec scalar', x: [2, 301], m: 40, weight: 'bfloat16', bias: 'float32' },
  { kernel: 'matvec pairs', x: [1, 1, 258], m: 50, weight: 'float16', bias: null },
  { kernel: 'matvec vec4', x: [8, 516], m: 45, weight: 'float32', bias: 'float32' },
  { kernel: 'matvec vec4', x: [1, 1, 256], m: 1000, weight: 'bfloat16', bias: null },
  { kernel: 'tiled', x: [2, 9, 64], m: 96, weight: 'float32', bias: null },
  { kernel: 'tiled', x: [33, 130], m: 70, weight: 'float16', bias: 'bfloat16' },
];

describe('linearSiluMul on webgpu', () => {
  it('is supported for float32 x, gate and up of one weight dtype, and both biases of one weight dtype or none', () => {
    for (const w of ['float32', 'float16', 'bfloat16'] as const) {
      expect(gpu.supports('linearSiluMul', ['float32', w, w])).toBe(true);
      for (const b of ['float32', 'float16', 'bfloat16'] as const) expect(gpu.supports('linearSiluMul', ['float32', w, w, b, b])).toBe(true);
    }
    expect(gpu.supports('linearSiluMul', ['float32', 'float16', 'bfloat16'])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float32', 'float16', 'float16', 'float16'])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float32', 'float16', 'float16', 'float16', 'float32'])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float16', 'float16', 'float16'])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float32', 'int32', 'int32'])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float32', 'float32'])).toBe(false);
  });

  it('keeps the decode kernel\'s partial sums of gate and up within the workgroup memory every device grants', () => {
    const gated = { weight: 'float32', bias: null, shaderF16: false, gated: true } as const;
    expect(matvecWorkgroupBytes(gated)).toBe(2 * 8 * 256 * 4);
    expect(matvecWorkgroupBytes(gated)).toBeLessThanOrEqual(GUARANTEED_WORKGROUP_BYTES);
    expect(gpu.gpuDevice.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(GUARANTEED_WORKGROUP_BYTES);
  });

  it.each(CASES)('$kernel: x$x, M=$m, $weight weights, biases $bias: linear, linear, siluMul in one dispatch', async (c) => {
    const { x, gate, up, gateBias, upBias, reference, tensors } = inputs(gpu, c);

    let before = gpu.stats.dispatches;
    const fused = gpu.linearSiluMul(x, gate, up, gateBias, upBias);
    expect(gpu.stats.dispatches - before).toBe(1);
    before = gpu.stats.dispatches;
    const g = gpu.linear(x, gate, gateBias);
    const u = gpu.linear(x, up, upBias);
    const apart = gpu.siluMul(g, u);
    expect(gpu.stats.dispatches - before).toBe(3);

    expect(fused.shape).toEqual([...c.x.slice(0, -1), c.m]);
    const got = (await fused.toArray()) as Float32Array;
    // The same sums in the same order as linear's kernels, and siluMul's own expression: bit for bit the three ops.
    expect(bitDifferences(got, (await apart.toArray()) as Float32Array), `values of ${got.length} that differ in bits from linear, linear, siluMul`).toBe(0);
    expect(relativeError(got, reference)).toBeLessThanOrEqual(BOUND.reduction);

    for (const t of [...tensors, fused, g, u, apart]) t.dispose();
  });

  it.each([
    { kernel: 'matvec scalar', x: [2, 1, 77], m: 300, weight: 'float32', bias: 'float32' },
    { kernel: 'narrow', x: [1, 77], m: 300, weight: 'float16', bias: null },
    { kernel: 'tiled', x: [12, 77], m: 300, weight: 'bfloat16', bias: 'float16' },
  ] as GatedCase[])('weights split across 4 KiB bindings ($kernel, $weight): one dispatch per chunk pair, the numbers of the unsplit op', async (c) => {
    const { x, gate, up, gateBias, upBias, reference, tensors } = inputs(split, c);
    const chunks = gpuData(gate).chunks.length;
    expect(chunks).toBeGreaterThan(10);
    expect(gpuData(up).chunks.length).toBe(chunks);

    const before = split.stats.dispatches;
    const fused = split.linearSiluMul(x, gate, up, gateBias, upBias);
    expect(split.stats.dispatches - before).toBe(chunks);
    const got = (await fused.toArray()) as Float32Array;
    expect(relativeError(got, reference)).toBeLessThanOrEqual(BOUND.reduction);
    // The last columns (in the last chunk) on their own, so a skipped chunk cannot hide in the norm.
    const m = c.m;
    const lastRow = got.length / m - 1;
    const tail = (a: ArrayLike<number>) => Array.from(a).slice(lastRow * m + m - 5, lastRow * m + m);
    expect(relativeError(tail(got), tail(reference))).toBeLessThanOrEqual(BOUND.reduction);

    const apart = split.siluMul(split.linear(x, gate, gateBias), split.linear(x, up, upBias));
    expect(bitDifferences(got, (await apart.toArray()) as Float32Array)).toBe(0);
    for (const t of [...tensors, fused, apart]) t.dispose();
  });

  it('gives an empty output for x with no rows, without a dispatch', async () => {
    const x = gpu.zeros([0, 4], 'float32');
    const w = gpu.upload(new Float32Array(12), [3, 4], 'float32');
    const before = gpu.stats.dispatches;
    const out = gpu.linearSiluMul(x, w, w);
    expect(gpu.stats.dispatches).toBe(before);
    expect(out.shape).toEqual([0, 3]);
    expect((await out.toArray()).length).toBe(0);
    for (const t of [x, w, out]) t.dispose();
  });

  // Bad arguments are the op-conformance bad-arguments table's, run on every backend; K = 0 is this device's limit.
  it('says K = 0 is unsupported (the linear kernels need K > 0), in supports and in the op', () => {
    const x = gpu.zeros([2, 0], 'float32');
    const w = gpu.zeros([3, 0], 'float32');
    expect(gpu.supports('linearSiluMul', [x, w, w])).toBe(false);
    expect(gpu.supports('linearSiluMul', ['float32', 'float32', 'float32'])).toBe(true);
    expect(() => gpu.linearSiluMul(x, w, w)).toThrow(UnsupportedOpError);
    for (const t of [x, w]) t.dispose();
  });
});
