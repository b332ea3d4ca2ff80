import { ArgumentError } from '@cria/core';

export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';
export type TruncationStrategy = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type Side = 'left' | 'right';

export function checkSide(value: unknown, name: string): Side {
  if (value !== 'left' && value !== 'right') throw new ArgumentError(`${name}: expected 'left' or 'right', got ${JSON.stringify(value)}`);
  return value;
}

/** Removes `count` ids from a sequence, from the end or the start. */
export function cut(ids: number[], count: number, side: Side): number[] {
  if (count <= 0) return ids;
  return side === 'right' ? ids.slice(0, Math.max(0, ids.length - count)) : ids.slice(Math.min(ids.length, count));
}

/** transformers' truncate_sequences for a single sequence or a pair. */
export function truncatePair(a: number[], b: number[] | null, overflow: number, strategy: TruncationStrategy, side: Side): [number[], number[] | null] {
  if (overflow <= 0 || strategy === false || strategy === 'do_not_truncate') return [a, b];
  const s = strategy === true ? 'longest_first' : strategy;
  if (b === null || s === 'only_first') {
    if (s === 'only_second') throw new ArgumentError(`truncation: 'only_second' needs a text pair`);
    if (overflow > a.length) throw new ArgumentError(`truncation: cannot remove ${overflow} tokens from a sequence of ${a.length} (max_length is smaller than the special tokens)`);
    return [cut(a, overflow, side), b];
  }
  if (s === 'only_second') {
    if (overflow > b.length) throw new ArgumentError(`truncation: cannot remove ${overflow} tokens from the second sequence of ${b.length}`);
    return [a, cut(b, overflow, side)];
  }
  // longest_first: remove one token at a time from the longer sequence (the second on ties).
  if (overflow > a.length + b.length) throw new ArgumentError(`truncation: cannot remove ${overflow} tokens from a pair of ${a.length} + ${b.length}`);
  let la = a.length;
  let lb = b.length;
  for (let i = 0; i < overflow; i++) {
    if (la > lb) la--;
    else lb--;
  }
  return [cut(a, a.length - la, side), cut(b, b.length - lb, side)];
}
