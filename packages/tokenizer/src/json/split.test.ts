import { describe, expect, it } from 'vitest';
import { splitByRanges, stringRanges } from './split.js';

// The examples of tokenizers' SplitDelimiterBehavior documentation: "the-final--countdown" split on "-".
describe('split behaviors', () => {
  const text = 'the-final--countdown';
  const ranges = stringRanges('-', text);
  it.each([
    ['Removed', ['the', 'final', 'countdown']],
    ['Isolated', ['the', '-', 'final', '-', '-', 'countdown']],
    ['MergedWithPrevious', ['the-', 'final-', '-', 'countdown']],
    ['MergedWithNext', ['the', '-final', '-', '-countdown']],
    ['Contiguous', ['the', '-', 'final', '--', 'countdown']],
  ] as const)('%s', (behavior, expected) => {
    expect(splitByRanges(text, ranges, behavior)).toEqual(expected);
  });
  it('invert keeps the matches', () => {
    expect(splitByRanges(text, ranges, 'Removed', true)).toEqual(['-', '-', '-']);
  });
});
