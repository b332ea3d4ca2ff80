import { ArgumentError } from '@cria/core';
import type { Processed } from './json/post-processors.js';

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

/** The length a batch pads to, or null for no padding. `maxLength` is called only for 'max_length'. */
export function paddingTarget(encodings: Processed[], padding: PaddingStrategy, maxLength: () => number | null, multiple: number | null | undefined): number | null {
  if (padding === false || padding === 'do_not_pad') return null;
  let target: number;
  if (padding === true || padding === 'longest') target = Math.max(0, ...encodings.map((e) => e.ids.length));
  else if (padding === 'max_length') {
    const max = maxLength();
    if (max === null) throw new ArgumentError("padding: 'max_length' needs max_length (the tokenizer's model_max_length is unlimited)");
    target = max;
  } else throw new ArgumentError(`padding: expected true, false, 'longest', 'max_length' or 'do_not_pad', got ${JSON.stringify(padding)}`);
  if (multiple !== undefined && multiple !== null) {
    if (!Number.isInteger(multiple) || multiple <= 0) throw new ArgumentError(`pad_to_multiple_of: expected a positive integer, got ${multiple}`);
    target = Math.ceil(target / multiple) * multiple;
  }
  return target;
}

export interface PaddedBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  special_tokens_mask?: number[][];
}

/** Pads every encoding to `target` on `side` (ids with padId, masks with 0; special_tokens_mask with 1). */
export function padEncodings(
  encodings: Processed[],
  target: number | null,
  side: Side,
  padId: number,
  want: { return_token_type_ids?: boolean; return_special_tokens_mask?: boolean },
): PaddedBatch {
  const out: PaddedBatch = { input_ids: [], attention_mask: [] };
  if (want.return_token_type_ids) out.token_type_ids = [];
  if (want.return_special_tokens_mask) out.special_tokens_mask = [];
  for (const e of encodings) {
    const missing = target === null ? 0 : Math.max(0, target - e.ids.length);
    const pad = (row: number[], value: number): number[] => {
      if (missing === 0) return row;
      const fill = new Array<number>(missing).fill(value);
      return side === 'right' ? [...row, ...fill] : [...fill, ...row];
    };
    out.input_ids.push(pad(e.ids, padId));
    out.attention_mask.push(pad(e.ids.map(() => 1), 0));
    out.token_type_ids?.push(pad(e.typeIds, 0));
    out.special_tokens_mask?.push(pad(e.specialMask, 1));
  }
  return out;
}
