// addRmsNorm on webgpu: one dispatch that gives what `add` then `rmsNorm` give on the same device, checked
// on odd shapes against those two ops and against a naive float64 computation written here; and clear
// errors for bad arguments.
import type { DType } from '@cria/core';
import { BOUND, SeededRandom, relativeError } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../backend.js';
import { uploadWeight } from '../testing/upload-weight.js';
import { bitDifferences } from '../testing/bit-differences.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await WebGpuBackend.create();
});
afterAll(() => gpu?.dispose());

/** The naive reference: float32 sums, then each row's RMS in float64 and the weight. */
function naive(a: Float32Array, b: Float32Array, weight: Float32Array, eps: number): { sum: Float32Array; normed: Float64Array } {
  const cols = weight.length;
  const sum = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) sum[i] = a[i]! + b[i]!;
  const normed = new Float64Array(a.length);
  for (let base = 0; base < a.length; base += cols) {
    let squares = 0;
    for (let c = 0; c < cols; c++) squares += sum[base + c]! ** 2;
    const inv = 1 / Math.sqrt(squares / cols + eps);
    for (let c = 0; c < cols; c++) normed[base + c] = sum[base + c]! * inv * weight[c]!;
  }
  return { sum, normed };
}

// Row lengths below, at and around the 256-thread workgroup, a rank-1 input and one-element rows, with every weight dtype.
const SHAPES: readonly { shape: number[]; eps: number; dtype: DType }[] = [
  { shape: [3, 5, 77], eps: 1e-5, dtype: 'float32' },
  { shape: [2, 1025], eps: 1e-6, dtype: 'float16' },
  { shape: [1, 1, 255], eps: 1e-5, dtype: 'bfloat16' },
  { shape: [257], eps: 0, dtype: 'float32' },
  { shape: [7, 1], eps: 1e-5, dtype: 'float16' },
];

/** Uploads random a, b [..shape] and a weight; returns them with the host values. */
function inputs(shape: number[], dtype: DType) {
  const random = new SeededRandom(shape.reduce((p, d) => p * 31 + d, 7));
  const size = shape.reduce((p, d) => p * d, 1);
  const aValues = random.floats(size, 2);
  const bValues = random.floats(size, 2);
  const cols = shape[shape.length - 1]!;
  const { tensor: weight, widened } = uploadWeight(gpu, random.floats(cols, 1.5), [cols], dtype);
  return { a: gpu.upload(aValues, shape, 'float32'), b: gpu.upload(bValues, shape, 'float32'), weight, aValues, bValues, widened, size };
}

describe('addRmsNorm on webgpu', () => {
  it('is supported for float32 inputs and every weight dtype, nothing else', () => {
    for (const w of ['float32', 'float16', 'bfloat16'] as const) expect(gpu.supports('addRmsNorm', ['float32', 'float32', w])).toBe(true);
    expect(gpu.supports('addRmsNorm', ['float16', 'float32', 'float32'])).toBe(false);
    expect(gpu.supports('addRmsNorm', ['float32', 'float32', 'int32'])).toBe(false);
    expect(gpu.supports('addRmsNorm', ['float32', 'float32'])).toBe(false);
  });

  it.each(SHAPES)('equals add then rmsNorm on $shape with $dtype weights, in one dispatch instead of two', async ({ shape, eps, dtype }) => {
    const { a, b, weight, aValues, bValues, widened, size } = inputs(shape, dtype);

    let before = gpu.stats.dispatches;
    const fused = gpu.addRmsNorm(a, b, weight, eps);
    expect(gpu.stats.dispatches - before).toBe(1);
    before = gpu.stats.dispatches;
    const added = gpu.add(a, b);
    const normed = gpu.rmsNorm(added, weight, eps);
    expect(gpu.stats.dispatches - before).toBe(2);

    expect(fused.sum.shape).toEqual(shape);
    expect(fused.normed.shape).toEqual(shape);
    const fusedSum = (await fused.sum.toArray()) as Float32Array;
    const fusedNormed = (await fused.normed.toArray()) as Float32Array;
    const twoOpSum = (await added.toArray()) as Float32Array;
    const twoOpNormed = (await normed.toArray()) as Float32Array;
    const reference = naive(aValues, bValues, widened, eps);

    // The sum is one float32 addition per element: bit for bit what `add` and the host give.
    expect(bitDifferences(fusedSum, twoOpSum)).toBe(0);
    expect(bitDifferences(fusedSum, reference.sum)).toBe(0);
    // The normalization is rmsNorm's own WGSL (rowRmsNormSource) over the same sums: bit for bit what the two ops
    // give, and within the elementwise bound of the float64 reference.
    expect(bitDifferences(fusedNormed, twoOpNormed), `normed values of ${size} that differ in bits from add then rmsNorm`).toBe(0);
    expect(relativeError(fusedNormed, reference.normed)).toBeLessThanOrEqual(BOUND.elementwise);

    for (const t of [a, b, weight, fused.sum, fused.normed, added, normed]) t.dispose();
  });

  it('folds more rows than one dispatch dimension holds (65535 workgroups) into two and still normalizes every row', async () => {
    const shape = [65537, 3];
    const { a, b, weight, aValues, bValues, widened } = inputs(shape, 'bfloat16');
    const { sum, normed } = gpu.addRmsNorm(a, b, weight, 1e-5);
    const reference = naive(aValues, bValues, widened, 1e-5);
    const got = (await normed.toArray()) as Float32Array;
    expect(bitDifferences((await sum.toArray()) as Float32Array, reference.sum)).toBe(0);
    expect(relativeError(got, reference.normed)).toBeLessThanOrEqual(BOUND.elementwise);
    // The last rows (past the first 65535 workgroups) on their own, so a skipped tail cannot hide in the norm.
    const tail = 2 * 3;
    expect(relativeError(got.subarray(-tail), reference.normed.subarray(-tail))).toBeLessThanOrEqual(BOUND.elementwise);
    for (const t of [a, b, weight, sum, normed]) t.dispose();
  });

  it('gives empty outputs for an input with no rows, without a dispatch', async () => {
    const a = gpu.zeros([0, 4], 'float32');
    const b = gpu.zeros([0, 4], 'float32');
    const weight = gpu.upload(Float32Array.of(1, 2, 3, 4), [4], 'float32');
    const before = gpu.stats.dispatches;
    const { sum, normed } = gpu.addRmsNorm(a, b, weight, 1e-5);
    expect(gpu.stats.dispatches).toBe(before);
    expect(sum.shape).toEqual([0, 4]);
    expect((await normed.toArray()).length).toBe(0);
    for (const t of [a, b, weight, sum, normed]) t.dispose();
  });

  // Bad arguments (shapes, eps, dtypes, foreign tensors) are the op-conformance bad-arguments table's, run on every backend.
});
