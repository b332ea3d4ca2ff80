// uploadByRanges on WebGPU (Dawn): the same bytes as upload, pooled and mapped buffers, split tensors, odd range sizes.
import { rangeReaderOf } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from './backend.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await WebGpuBackend.create();
});
afterAll(() => gpu?.dispose());

const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('uploadByRanges', () => {
  it('small (pooled) tensors: any range size, odd byte lengths, reads in order within chunkBytes, progress to the end', async () => {
    const values = Uint16Array.from({ length: 11 }, (_, i) => 0x3c00 + i * 37); // 22 bytes: not whole words
    for (const chunkBytes of [1, 2, 3, 5, 8, 1000]) {
      const { reads, readRange } = rangeReaderOf(asBytes(values));
      const progress: number[] = [];
      const t = await gpu.uploadByRanges([11], 'float16', readRange, { chunkBytes, onProgress: (done, total) => {
        expect(total).toBe(22);
        progress.push(done);
      } });
      expect(Array.from((await t.toArray()) as Uint16Array), `chunkBytes ${chunkBytes}`).toEqual(Array.from(values));
      expect(reads.every(([, n]) => n <= chunkBytes)).toBe(true);
      expect(reads.map(([o]) => o)).toEqual(reads.map((_, i) => i * chunkBytes));
      expect(progress.at(-1)).toBe(22);
      t.dispose();
    }
    const u8 = await gpu.uploadByRanges([5], 'uint8', rangeReaderOf(Uint8Array.of(9, 8, 7, 6, 5)).readRange, { chunkBytes: 2 });
    expect(Array.from((await u8.toArray()) as Uint8Array)).toEqual([9, 8, 7, 6, 5]);
  });

  it('a large tensor split across buffers (mapped at creation, and a pooled remainder) equals what upload stores', async () => {
    const split = await WebGpuBackend.create({ maxBindingBytes: 17 * 1024 * 1024 });
    try {
      const values = Float32Array.from({ length: 5 * 1024 * 1024 }, (_, i) => (i % 977) - 488.5);
      const { reads, readRange } = rangeReaderOf(asBytes(values));
      const chunkBytes = (1 << 20) + 3;
      const t = await split.uploadByRanges([5 * 1024, 1024], 'float32', readRange, { chunkBytes });
      expect(t.storage.handle).toMatchObject({ chunkElements: 4352 * 1024 });
      expect(Math.max(...reads.map(([, n]) => n))).toBeLessThanOrEqual(chunkBytes);
      const back = (await t.toArray()) as Float32Array;
      let differences = 0;
      for (let i = 0; i < values.length; i++) if (back[i] !== values[i]) differences++;
      expect(differences).toBe(0);
      t.dispose();
    } finally {
      split.dispose();
    }
  });

  it('a short read or a throwing onProgress rejects, frees the buffers (mapped ones unmapped) and leaves the device usable', async () => {
    const big = new Uint8Array(20 * 1024 * 1024); // above the pooled limit: mapped at creation
    await expect(gpu.uploadByRanges([big.byteLength / 4], 'float32', async (o, n) => big.subarray(o, o + Math.min(n, 100)), { chunkBytes: 4096 }))
      .rejects.toThrow(/readRange\(0, 4096\) returned 100 bytes; expected 4096 bytes/);
    await expect(gpu.uploadByRanges([16], 'float32', rangeReaderOf(new Uint8Array(64)).readRange, { chunkBytes: 16, onProgress: (done) => {
      if (done === 32) throw new Error('stop');
    } })).rejects.toThrow('stop');
    await expect(gpu.uploadByRanges([4], 'float32', rangeReaderOf(new Uint8Array(16)).readRange, { chunkBytes: 0 })).rejects.toThrow(/options\.chunkBytes must be a positive integer, got 0/);
    await gpu.synchronize();
    const ok = await gpu.uploadByRanges([2], 'float32', rangeReaderOf(asBytes(Float32Array.of(1.5, -2))).readRange);
    expect(Array.from((await ok.toArray()) as Float32Array)).toEqual([1.5, -2]);
  });
});
