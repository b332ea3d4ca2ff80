// uploadByRanges on the CPU backend: chunked reads land where they belong; bad reads and callbacks fail cleanly.
import { rangeReaderOf } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';

describe('uploadByRanges', () => {
  it('asks for ranges in order, at most chunkBytes each (cutting elements mid-way), and gives the same tensor as upload', async () => {
    const backend = new CpuBackend();
    const values = Float32Array.from({ length: 10 }, (_, i) => i * 1.5 - 3);
    const bytes = new Uint8Array(values.buffer.slice(0));
    const { reads, readRange } = rangeReaderOf(bytes);
    const progress: [number, number][] = [];
    const t = await backend.uploadByRanges([2, 5], 'float32', readRange, { chunkBytes: 15, onProgress: (done, total) => progress.push([done, total]) });
    expect(reads).toEqual([[0, 15], [15, 15], [30, 10]]);
    expect(progress).toEqual([[15, 40], [30, 40], [40, 40]]);
    expect(t.shape).toEqual([2, 5]);
    expect(t.dtype).toBe('float32');
    expect(await t.toArray()).toEqual(values);
  });

  it('takes float16/bfloat16 as raw bits, and an empty tensor without reading', async () => {
    const backend = new CpuBackend();
    const halfBits = Uint16Array.from([0x3c00, 0xbc00, 0x7e00]);
    const t = await backend.uploadByRanges([3], 'bfloat16', rangeReaderOf(new Uint8Array(halfBits.buffer)).readRange, { chunkBytes: 4 });
    expect(await t.toArray()).toEqual(halfBits);
    const empty = rangeReaderOf(new Uint8Array(0));
    const e = await backend.uploadByRanges([0, 4], 'float16', empty.readRange);
    expect(e.size).toBe(0);
    expect(empty.reads).toEqual([]);
  });

  it('refuses a short read, a bad chunk size and a bad dtype, naming them; errors of readRange and onProgress propagate', async () => {
    const backend = new CpuBackend();
    await expect(backend.uploadByRanges([4], 'float32', async () => new Uint8Array(3), { chunkBytes: 8 })).rejects.toThrow(/readRange\(0, 8\) returned 3 bytes; expected 8 bytes/);
    const ok = rangeReaderOf(new Uint8Array(16)).readRange;
    await expect(backend.uploadByRanges([4], 'float32', ok, { chunkBytes: 0 })).rejects.toThrow(/options\.chunkBytes must be a positive integer, got 0/);
    await expect(backend.uploadByRanges([4], 'float32', ok, { chunkBytes: 2.5 })).rejects.toThrow(/options\.chunkBytes/);
    await expect(backend.uploadByRanges([4], 'complex64' as never, ok)).rejects.toThrow(/dtype 'complex64' is not a cria dtype/);
    await expect(backend.uploadByRanges([4], 'float32', async () => { throw new Error('disk gone'); })).rejects.toThrow('disk gone');
    await expect(backend.uploadByRanges([4], 'float32', ok, { chunkBytes: 4, onProgress: () => { throw new Error('stop'); } })).rejects.toThrow('stop');
  });

  it('refuses to run on a disposed backend', async () => {
    const backend = new CpuBackend();
    backend.dispose();
    await expect(backend.uploadByRanges([1], 'float32', async () => new Uint8Array(4))).rejects.toThrow(/disposed/);
  });
});
