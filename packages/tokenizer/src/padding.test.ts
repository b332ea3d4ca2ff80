import { ArgumentError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { padEncodings, paddingTarget, truncatePair } from './padding.js';

const enc = (ids: number[]) => ({ ids, typeIds: ids.map(() => 0), specialMask: ids.map(() => 0) });

describe('truncation and padding helpers', () => {
  it('longest_first removes from the longer sequence, the second on ties (transformers)', () => {
    expect(truncatePair([1, 2, 3, 4], [5, 6], 3, 'longest_first', 'right')).toEqual([[1, 2], [5]]);
    expect(truncatePair([1, 2, 3, 4], [5, 6], 3, true, 'left')).toEqual([[3, 4], [6]]);
    expect(truncatePair([1, 2, 3], [4, 5], 1, 'only_second', 'right')).toEqual([[1, 2, 3], [4]]);
    expect(truncatePair([1, 2, 3], null, 2, 'only_first', 'right')).toEqual([[1], null]);
    expect(() => truncatePair([1], null, 2, true, 'right')).toThrow(ArgumentError);
  });
  it('pads to the longest, to max_length and to a multiple', () => {
    const batch = [enc([7]), enc([7, 8, 9])];
    expect(paddingTarget(batch, true, () => null, null)).toBe(3);
    expect(paddingTarget(batch, 'max_length', () => 5, 4)).toBe(8);
    expect(paddingTarget(batch, false, () => 5, 4)).toBe(null);
    expect(() => paddingTarget(batch, 'max_length', () => null, null)).toThrow(/max_length/);
    const out = padEncodings(batch, 3, 'left', 0, { return_special_tokens_mask: true });
    expect(out.input_ids).toEqual([[0, 0, 7], [7, 8, 9]]);
    expect(out.attention_mask).toEqual([[0, 0, 1], [1, 1, 1]]);
    expect(out.special_tokens_mask).toEqual([[1, 1, 0], [0, 0, 0]]);
  });
});
