import { blobSource, bytesSource } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { readRangeInto } from './read-into.js';

const content = Uint8Array.from({ length: 64 }, (_, i) => (i * 5 + 1) & 0xff);

describe('readRangeInto', () => {
  it('fills the target from a source with readInto and from one without', async () => {
    for (const source of [bytesSource(content, 'mem'), blobSource(new Blob([content]), 'blob')]) {
      const backing = new Uint8Array(20).fill(0xee);
      await readRangeInto(source, 30, backing.subarray(2, 18));
      expect(Array.from(backing.subarray(2, 18)), source.name).toEqual(Array.from(content.subarray(30, 46)));
      expect([backing[1], backing[18]], source.name).toEqual([0xee, 0xee]);
      await expect(readRangeInto(source, 60, new Uint8Array(8)), source.name).rejects.toThrow(/cannot read 8 bytes at offset 60/);
    }
  });
});
