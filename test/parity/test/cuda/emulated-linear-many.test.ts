// linearMany on the CUDA backend's TypeScript layer over an emulated device: against the cpu backend on both routes
// (segmented matvec; linear per weight), at model shapes and under CUDA graph replay (test/linear-many-checks.ts), and
// the raw context's launch conditions (those of linear.cu's launchLinearMany).
import { type Backend, type TypedArray, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { SeededRandom, relativeError } from '@cria/core/testing';
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { BOUND } from '@cria/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CudaBackend } from '@cria/kernels-cuda';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { graphLinearManyCheck, linearManyShapeChecks } from '../../src/cuda/linear-many-checks.js';

let backend: CudaBackend;
afterEach(() => backend?.dispose());

type Float = 'float32' | 'float16' | 'bfloat16';
const host = (values: Float32Array, dtype: Float): TypedArray => (dtype === 'float32' ? values : dtype === 'float16' ? float32ArrayToFloat16(values) : float32ArrayToBfloat16(values));

describe('cuda backend (TypeScript layer) over an emulated device: linearMany', () => {
  it('agrees with the cpu backend for rows 1..9, 1 to 3 weights, odd widths, with and without biases, on both routes', async () => {
    backend = createEmulatedCudaBackend();
    const cpu = await createCpuBackend();
    const segmented = vi.spyOn(backend.context, 'linearMany');
    const linear = vi.spyOn(backend.context, 'linear');
    // [K, Ms, weight dtype, bias dtype]: 77 float16 and 36 bfloat16 are not whole 16-byte loads (linear per weight at any row count).
    const widths: [number, number[], Float, Float | undefined][] = [
      [64, [33], 'bfloat16', undefined],
      [24, [7, 5], 'float32', 'float16'],
      [40, [9, 3, 3], 'float16', 'bfloat16'],
      [77, [5, 2, 2], 'float16', 'float32'],
      [36, [11, 4], 'bfloat16', undefined],
    ];
    let seed = 500;
    for (const rows of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      for (const [k, ms, dtype, biasDtype] of widths) {
        const random = new SeededRandom(seed++);
        const data = { x: random.floats(rows * k, 1), weights: ms.map((m) => host(random.floats(m * k, 0.3), dtype)), biases: biasDtype && ms.map((m) => host(random.floats(m, 1), biasDtype)) };
        const run = async (b: Backend) => {
          const weights = data.weights.map((w, i) => b.upload(w, [ms[i]!, k], dtype));
          const biases = biasDtype ? data.biases!.map((v, i) => b.upload(v, [ms[i]!], biasDtype)) : undefined;
          const outs = b.linearMany(b.upload(data.x, [rows, k], 'float32'), weights, biases);
          expect(outs.map((o) => o.shape)).toEqual(ms.map((m) => [rows, m]));
          return Promise.all(outs.map(async (o) => (await b.read(o)) as Float32Array));
        };
        const [fused, plain] = [segmented.mock.calls.length, linear.mock.calls.length];
        const [got, want] = [await run(backend), await run(cpu)];
        const where = `rows ${rows} K ${k} Ms ${ms} ${dtype} bias ${biasDtype ?? 'none'}`;
        got.forEach((g, i) => expect(relativeError(g, want[i]!), `${where}: output ${i}`).toBeLessThanOrEqual(BOUND.reduction));
        const takes = rows <= 8 && k % (dtype === 'float32' ? 4 : 8) === 0;
        expect([segmented.mock.calls.length - fused, linear.mock.calls.length - plain], `${where}: segmented launches, linears`).toEqual(takes ? [1, 0] : [0, ms.length]);
      }
    }
    cpu.dispose();
  });

  it('at attention shapes and under CUDA graph replay agrees with plain loops, and bit for bit with linear per weight (test/linear-many-checks.ts)', async () => {
    backend = createEmulatedCudaBackend();
    const checks = [...(await linearManyShapeChecks(backend)), await graphLinearManyCheck(backend)];
    // 4 shapes on the segmented matvec (plain loops and linear per weight), 2 per weight, 1 graph replay.
    expect(checks.map((c) => c.name.split(':')[0]!.split(' x[')[0])).toEqual([
      ...Array(8).fill('linearMany segmented matvec'),
      'linearMany linear per weight',
      'linearMany linear per weight',
      'CUDA graph',
    ]);
    for (const c of checks) expect(c.error, c.name).toBeLessThanOrEqual(c.bound);
  });

  it('with K = 0 writes each bias (or zeros) on the segmented matvec, as linear does', async () => {
    backend = createEmulatedCudaBackend();
    const segmented = vi.spyOn(backend.context, 'linearMany');
    const x = backend.zeros([2, 0], 'float32');
    const weights = [backend.zeros([3, 0], 'float16'), backend.zeros([2, 0], 'float16')];
    const biases = [backend.upload(Float32Array.of(1, -2, 3), [3], 'float32'), backend.upload(Float32Array.of(0.5, 4), [2], 'float32')];
    const withBias = await Promise.all(backend.linearMany(x, weights, biases).map(async (o) => Array.from((await backend.read(o)) as Float32Array)));
    expect(withBias).toEqual([[1, -2, 3, 1, -2, 3], [0.5, 4, 0.5, 4]]);
    const without = await Promise.all(backend.linearMany(x, weights).map(async (o) => Array.from((await backend.read(o)) as Float32Array)));
    expect(without).toEqual([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(segmented).toHaveBeenCalledTimes(2);
  });
});
