import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { rangeReaderOf } from '../testing.js';
import { checkRangeUpload, readByRanges } from './upload-by-ranges.js';

describe('checkRangeUpload and readByRanges', () => {
  it('reads in order, at most chunkBytes each, handing each range over before the next and reporting progress', async () => {
    const { reads, readRange } = rangeReaderOf(Uint8Array.from({ length: 40 }, (_, i) => i));
    const { byteLength, chunkBytes } = checkRangeUpload([2, 5], 'float32', { chunkBytes: 15 });
    const got = new Uint8Array(byteLength);
    const progress: number[][] = [];
    await readByRanges(readRange, { chunkBytes, byteLength, onProgress: (done, total) => progress.push([done, total]) }, (bytes, offset) => got.set(bytes, offset));
    expect(reads).toEqual([[0, 15], [15, 15], [30, 10]]);
    expect(progress).toEqual([[15, 40], [30, 40], [40, 40]]);
    expect(got).toEqual(Uint8Array.from({ length: 40 }, (_, i) => i));
    const part = rangeReaderOf(new Uint8Array(40));
    await readByRanges(part.readRange, { chunkBytes: 8, byteLength: 40, start: 16, end: 30 }, () => {});
    expect(part.reads).toEqual([[16, 8], [24, 6]]);
  });

  it('refuses a short read, a bad chunk size, dtype or shape, naming them', async () => {
    await expect(readByRanges(async () => new Uint8Array(3), { chunkBytes: 8, byteLength: 16 }, () => {})).rejects.toThrow(/readRange\(0, 8\) returned 3 bytes; expected 8 bytes/);
    await expect(readByRanges(async () => 'x' as never, { chunkBytes: 8, byteLength: 16 }, () => {})).rejects.toThrow(ArgumentError);
    expect(() => checkRangeUpload([4], 'float32', { chunkBytes: 0 })).toThrow(/options\.chunkBytes must be a positive integer, got 0/);
    expect(() => checkRangeUpload([4], 'complex64' as never)).toThrow(/dtype 'complex64' is not a cria dtype/);
    expect(() => checkRangeUpload([4, -1], 'float32')).toThrow(/shape \[4, -1\] must hold non-negative integers/);
  });
});
