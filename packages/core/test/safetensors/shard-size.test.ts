import { describe, expect, it } from 'vitest';
import { parseShardSize } from '../../src/index.js';

describe('parseShardSize (transformers convert_file_size_to_int)', () => {
  it('reads decimal, binary and bit units', () => {
    expect(parseShardSize('5GB')).toBe(5_000_000_000);
    expect(parseShardSize('500MB')).toBe(500_000_000);
    expect(parseShardSize('10KB')).toBe(10_000);
    expect(parseShardSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseShardSize('3MiB')).toBe(3 * 1024 ** 2);
    expect(parseShardSize('7KiB')).toBe(7 * 1024);
    expect(parseShardSize('8Mb')).toBe(1_000_000);
    expect(parseShardSize(1234)).toBe(1234);
  });
  it('refuses what is not a size', () => {
    for (const bad of ['5', 'GB', '1.5GB', '-1GB', '5 GB', 0, -3, 1.5]) expect(() => parseShardSize(bad as string)).toThrow(/maxShardSize/);
  });
});
