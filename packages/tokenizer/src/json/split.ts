/** How a split keeps its delimiters (tokenizers' SplitDelimiterBehavior). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** [start, end, isMatch] ranges that cover the text, as tokenizers' Pattern::find_matches returns. */
export type Ranges = [number, number, boolean][];

export function regexRanges(re: RegExp, text: string): Ranges {
  if (text.length === 0) return [[0, 0, false]];
  const out: Ranges = [];
  let prev = 0;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) {
      // An empty match: step over one code point (as Rust's iterators do) and keep going.
      re.lastIndex = start + ((text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
      if (start >= text.length) break;
    }
    if (prev !== start) out.push([prev, start, false]);
    out.push([start, end, true]);
    prev = end;
  }
  if (prev !== text.length) out.push([prev, text.length, false]);
  return out;
}

export function stringRanges(needle: string, text: string): Ranges {
  if (text.length === 0) return [[0, 0, false]];
  if (needle.length === 0) return [[0, text.length, false]];
  const out: Ranges = [];
  let prev = 0;
  let at = text.indexOf(needle);
  while (at >= 0) {
    if (prev !== at) out.push([prev, at, false]);
    out.push([at, at + needle.length, true]);
    prev = at + needle.length;
    at = text.indexOf(needle, prev);
  }
  if (prev !== text.length) out.push([prev, text.length, false]);
  return out;
}

/** Applies a split behavior to ranges and returns the non-empty pieces (tokenizers' NormalizedString::split). */
export function splitByRanges(text: string, ranges: Ranges, behavior: SplitBehavior, invert = false): string[] {
  const splits = invert ? ranges.map(([s, e, m]): [number, number, boolean] => [s, e, !m]) : ranges;
  let kept: [number, number, boolean][]; // [start, end, remove]
  switch (behavior) {
    case 'Isolated':
      kept = splits.map(([s, e]) => [s, e, false]);
      break;
    case 'Removed':
      kept = splits;
      break;
    case 'Contiguous': {
      kept = [];
      let previousMatch = false;
      for (const [s, e, m] of splits) {
        const last = kept[kept.length - 1];
        if (m === previousMatch && last) last[1] = e;
        else kept.push([s, e, false]);
        previousMatch = m;
      }
      break;
    }
    case 'MergedWithPrevious': {
      kept = [];
      let previousMatch = false;
      for (const [s, e, m] of splits) {
        const last = kept[kept.length - 1];
        if (m && !previousMatch && last) last[1] = e;
        else kept.push([s, e, false]);
        previousMatch = m;
      }
      break;
    }
    case 'MergedWithNext': {
      kept = [];
      let previousMatch = false;
      for (let i = splits.length - 1; i >= 0; i--) {
        const [s, e, m] = splits[i]!;
        const last = kept[kept.length - 1];
        if (m && !previousMatch && last) last[0] = s;
        else kept.push([s, e, false]);
        previousMatch = m;
      }
      kept.reverse();
      break;
    }
  }
  const out: string[] = [];
  for (const [s, e, remove] of kept) if (!remove && e > s) out.push(text.slice(s, e));
  return out;
}
