// argmax and topk against the cpu backend, bit for bit: NaN above every number (lower index first among
// NaNs), ±Infinity, -0 beside +0, ties, and shapes that reach every split of the two-stage topk.
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { SeededRandom } from '@cria/core/testing';
import type { Backend } from '@cria/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '@cria/kernels-webgpu';

let gpu: WebGpuBackend;
let cpu: Backend;
beforeAll(async () => {
  [gpu, cpu] = await Promise.all([WebGpuBackend.create(), createCpuBackend()]);
});
afterAll(() => [gpu, cpu].forEach((backend) => backend?.dispose()));

/** Positions where the two arrays differ (Object.is: NaN equals NaN, -0 differs from +0). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`length ${a.length} != ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) out.push(`[${i}] ${a[i]} != ${b[i]}`);
  return out.slice(0, 8);
}

async function expectSameRanking(data: Float32Array, shape: number[], k: number): Promise<void> {
  const onGpu = gpu.topk(gpu.upload(data, shape, 'float32'), k);
  const onCpu = cpu.topk(cpu.upload(data, shape, 'float32'), k);
  expect(onGpu.indices.shape).toEqual(onCpu.indices.shape);
  expect(differences((await onGpu.indices.toArray()) as Int32Array, (await onCpu.indices.toArray()) as Int32Array)).toEqual([]);
  expect(differences((await onGpu.values.toArray()) as Float32Array, (await onCpu.values.toArray()) as Float32Array)).toEqual([]);
  const argGpu = (await gpu.argmax(gpu.upload(data, shape, 'float32')).toArray()) as Int32Array;
  const argCpu = (await cpu.argmax(cpu.upload(data, shape, 'float32')).toArray()) as Int32Array;
  expect(differences(argGpu, argCpu)).toEqual([]);
}

/** Rows of coarse random values (many ties), with NaN, ±Infinity and ±0 sprinkled in at `specialRate`. */
function mixedRows(seed: number, rows: number, cols: number, specialRate: number): Float32Array {
  const random = new SeededRandom(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0];
  return Float32Array.from({ length: rows * cols }, () => {
    if (random.next() < specialRate) return specials[Math.floor(random.next() * specials.length)]!;
    return Math.round(random.next() * 64) / 4 - 8;
  });
}

describe('NaN ranks above every number, as on the cpu backend', () => {
  it('a single NaN is the argmax and the first of topk, even beside +Infinity', async () => {
    await expectSameRanking(Float32Array.of(1, Infinity, 3, NaN, -Infinity, 2), [1, 6], 6);
    await expectSameRanking(Float32Array.of(NaN, Infinity, 3), [1, 3], 2);
  });

  it('among NaNs the lower index comes first; a row of only NaN keeps index order', async () => {
    await expectSameRanking(Float32Array.of(-1, NaN, 5, NaN, NaN, 5, -0, 0, NaN, NaN, NaN, NaN), [2, 6], 5);
  });

  it('NaN payloads other than the default one, and negative NaN, rank as NaN', async () => {
    const bits = Uint32Array.of(0x3f800000, 0xffc00001, 0x7f800001, 0x40000000, 0xff800000, 0x7fffffff);
    await expectSameRanking(new Float32Array(bits.buffer), [1, 6], 4);
  });
});

describe('two-stage topk equals the cpu backend bit for bit', () => {
  it('rows shorter than the lanes, k up to the whole row', async () => {
    await expectSameRanking(mixedRows(1, 3, 7, 0.2), [3, 7], 7);
    await expectSameRanking(mixedRows(2, 4, 1, 0.5), [4, 1], 1);
    await expectSameRanking(mixedRows(3, 2, 100, 0.1), [2, 100], 100);
  });

  it('long rows with many ties: lists shorter than k, lists of k, several first-stage groups per row', async () => {
    await expectSameRanking(mixedRows(4, 2, 300, 0.05), [2, 300], 300);
    await expectSameRanking(mixedRows(5, 3, 1000, 0.01), [3, 1000], 50);
    await expectSameRanking(mixedRows(6, 1, 20000, 0.001), [1, 20000], 64);
    await expectSameRanking(mixedRows(7, 2, 4099, 0), [2, 4099], 17);
  });

  it('lists longer than the function-scope ones (kept in the scratch buffers), with and without the threshold pass', async () => {
    await expectSameRanking(mixedRows(10, 1, 9000, 0.002), [1, 9000], 100);
    await expectSameRanking(mixedRows(11, 1, 9000, 0.002), [1, 9000], 150);
  });

  it('a threshold that is itself NaN: more NaNs than k, so only the lowest-index NaNs survive', async () => {
    await expectSameRanking(mixedRows(12, 2, 2000, 0.5), [2, 2000], 20);
  });

  it('a leading batch shape of rank 3, and NaN-free rows sorted ascending (every new entry inserts first)', async () => {
    await expectSameRanking(mixedRows(8, 2 * 3, 40, 0.1), [2, 3, 40], 9);
    await expectSameRanking(Float32Array.from({ length: 2000 }, (_, i) => i * 0.5), [1, 2000], 40);
  });

  it('allocates no buffer after the first call of a repeated shape (scratch lists come from the pool)', async () => {
    const x = gpu.upload(mixedRows(9, 1, 5000, 0.01), [1, 5000], 'float32');
    const step = async () => {
      const { values, indices } = gpu.topk(x, 50);
      await indices.toArray();
      values.dispose();
      indices.dispose();
    };
    await step();
    const created = gpu.stats.buffersCreated;
    for (let i = 0; i < 3; i++) await step();
    expect(gpu.stats.buffersCreated).toBe(created);
  });
});
