import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { checkCopyBandwidthArgs, copyBytesPerSecond, DEFAULT_COPY_REPETITIONS, supportsCopyBandwidth } from './bandwidth.js';
import { ArgumentError } from './errors.js';

describe('copy bandwidth helpers', () => {
  it('counts bytes read and written over the median copy time', () => {
    // 1000 bytes copied: 2000 bytes moved; median of [4, 1, 2] ms is 2 ms.
    expect(copyBytesPerSecond(1000, [0.004, 0.001, 0.002])).toBeCloseTo(2000 / 0.002, 6);
    // an even count takes the mean of the middle two: (1 + 3) / 2 ms
    expect(copyBytesPerSecond(1000, [0.001, 0.005, 0.003, 0.0005])).toBeCloseTo(2000 / 0.002, 6);
  });

  it('refuses a median below the timer resolution and no timings', () => {
    expect(() => copyBytesPerSecond(4, [0, 0, 1e-3])).toThrow(/median copy of 4 bytes took 0 s, below the timer's resolution/);
    expect(() => copyBytesPerSecond(4, [])).toThrow(ArgumentError);
  });

  it('checks bytes and repetitions, naming them', () => {
    expect(checkCopyBandwidthArgs(1024, undefined)).toBe(DEFAULT_COPY_REPETITIONS);
    expect(checkCopyBandwidthArgs(4, { repetitions: 3 })).toBe(3);
    for (const bad of [0, -4, 6, 4.5, Number.NaN, Infinity, '1024', 2 ** 60]) {
      expect(() => checkCopyBandwidthArgs(bad, undefined)).toThrow(/measureCopyBandwidth: bytes must be a positive integer multiple of 4/);
    }
    expect(() => checkCopyBandwidthArgs(8, { repetitions: 0 })).toThrow(/options\.repetitions must be a positive integer, got 0/);
  });

  it('recognises a backend by its measureCopyBandwidth method', () => {
    expect(supportsCopyBandwidth({ name: 'cpu' } as unknown as Backend)).toBe(false);
    expect(supportsCopyBandwidth({ name: 'cpu', measureCopyBandwidth: async () => ({}) } as unknown as Backend)).toBe(true);
  });
});
