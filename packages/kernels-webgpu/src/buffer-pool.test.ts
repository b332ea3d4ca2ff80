import { describe, expect, it } from 'vitest';
import { bucketSize } from './buffer-pool.js';

describe('bucketSize', () => {
  it('rounds small requests up to 256 bytes and keeps every size a multiple of 4', () => {
    expect(bucketSize(0)).toBe(256);
    expect(bucketSize(1)).toBe(256);
    expect(bucketSize(256)).toBe(256);
    for (let bytes = 1; bytes < 100_000; bytes += 97) {
      const size = bucketSize(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 4).toBe(0);
    }
  });

  it('wastes at most 1/8 above 256 bytes, so a tensor growing by one slot a step reuses its bucket', () => {
    for (let bytes = 257; bytes < 10_000_000; bytes = Math.ceil(bytes * 1.07)) {
      expect(bucketSize(bytes) / bytes).toBeLessThanOrEqual(1.125 + 4 / bytes);
    }
    // A decode mask [1, kvLength] int32 grows 4 bytes a step: from 2049 to 2304 slots it stays in one bucket.
    expect(new Set(Array.from({ length: 255 }, (_, i) => bucketSize((2049 + i) * 4))).size).toBe(1);
  });

  it('allocates large buffers (16 MiB and up) exactly', () => {
    expect(bucketSize(16 * 1024 * 1024 + 4)).toBe(16 * 1024 * 1024 + 4);
    expect(bucketSize(100_000_001)).toBe(100_000_004);
  });
});
