import { compileRegex } from '../regex/translate.js';
import { toByteLevel } from './byte-level-alphabet.js';
import type { Fields } from './fields.js';
import { type Ranges, regexRanges, SPLIT_BEHAVIORS, type SplitBehavior, splitByRanges, stringRanges } from './split.js';

/** A piece of text between pre-tokenization steps; `atStart` is true when it begins the original input. */
export interface Piece {
  text: string;
  atStart: boolean;
}

export type PreTokenizer = (pieces: Piece[]) => Piece[];

/** GPT-2's split pattern, used by ByteLevel with use_regex. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function splitEach(pieces: Piece[], split: (text: string) => string[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const parts = split(piece.text);
    for (let i = 0; i < parts.length; i++) {
      const text = parts[i]!;
      out.push({ text, atStart: piece.atStart && i === 0 && piece.text.startsWith(text) });
    }
  }
  return out;
}

/** Isolated split by a regex without building ranges: gaps and matches in order, empty ones dropped. */
function isolatedRegexSplit(re: RegExp): (text: string) => string[] {
  return (text) => {
    const out: string[] = [];
    let prev = 0;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        re.lastIndex = start + ((text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
        if (start >= text.length) break;
        continue;
      }
      if (prev !== start) out.push(text.slice(prev, start));
      out.push(m[0]);
      prev = end;
    }
    if (prev < text.length) out.push(prev === 0 ? text : text.slice(prev));
    return out;
  };
}

function splitter(ranges: (text: string) => Ranges, behavior: SplitBehavior, invert = false): (text: string) => string[] {
  return (text) => splitByRanges(text, ranges(text), behavior, invert);
}

function behaviorOf(f: Fields): SplitBehavior {
  const b = f.string('behavior');
  if (!(SPLIT_BEHAVIORS as readonly string[]).includes(b)) {
    throw new Error(`${f.file}: ${f.where}.behavior: expected one of ${SPLIT_BEHAVIORS.join(', ')}, got ${JSON.stringify(b)}`);
  }
  return b as SplitBehavior;
}

export function buildPreTokenizer(f: Fields): PreTokenizer {
  switch (f.obj.type) {
    case 'Sequence': {
      const steps = f.array('pretokenizers').map((p, i) => buildPreTokenizer(f.sub(p, `${f.where}.pretokenizers[${i}]`)));
      return (pieces) => {
        for (const step of steps) pieces = step(pieces);
        return pieces;
      };
    }
    case 'Split': {
      const pattern = f.pattern('pattern');
      const behavior = behaviorOf(f);
      const invert = f.bool('invert', false);
      let ranges: (text: string) => Ranges;
      if (pattern.kind === 'string') ranges = (text) => stringRanges(pattern.value, text);
      else {
        const re = compileRegex(pattern.value);
        if (behavior === 'Isolated') {
          const fast = isolatedRegexSplit(re);
          return (pieces) => splitEach(pieces, fast);
        }
        ranges = (text) => regexRanges(re, text);
      }
      return (pieces) => splitEach(pieces, splitter(ranges, behavior, invert));
    }
    case 'ByteLevel': {
      const addPrefixSpace = f.bool('add_prefix_space', true);
      const useRegex = f.bool('use_regex', true);
      const split = isolatedRegexSplit(compileRegex(GPT2_PATTERN));
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          const text = addPrefixSpace && !piece.text.startsWith(' ') ? ' ' + piece.text : piece.text;
          const parts = useRegex ? split(text) : text.length > 0 ? [text] : [];
          for (let i = 0; i < parts.length; i++) out.push({ text: toByteLevel(parts[i]!), atStart: piece.atStart && i === 0 });
        }
        return out;
      };
    }
    case 'Metaspace': {
      const replacement = f.string('replacement');
      let scheme = f.optString('prepend_scheme');
      if (scheme === null) scheme = f.bool('add_prefix_space', true) ? 'always' : 'never';
      if (!['always', 'first', 'never'].includes(scheme)) {
        throw new Error(`${f.file}: ${f.where}.prepend_scheme: expected always, first or never, got ${JSON.stringify(scheme)}`);
      }
      const split = f.bool('split', true);
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          let text = piece.text.split(' ').join(replacement);
          if (!text.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && piece.atStart))) text = replacement + text;
          if (!split) {
            if (text.length > 0) out.push({ text, atStart: piece.atStart });
            continue;
          }
          splitByRanges(text, stringRanges(replacement, text), 'MergedWithNext').forEach((p, i) => out.push({ text: p, atStart: piece.atStart && i === 0 }));
        }
        return out;
      };
    }
    case 'Digits': {
      const individual = f.bool('individual_digits', false);
      const ranges = (text: string): Ranges => {
        const out: Ranges = [];
        let prev = 0;
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c >= 48 && c <= 57) {
            if (prev !== i) out.push([prev, i, false]);
            out.push([i, i + 1, true]);
            prev = i + 1;
          }
        }
        if (prev !== text.length || text.length === 0) out.push([prev, text.length, false]);
        return out;
      };
      return (pieces) => splitEach(pieces, splitter(ranges, individual ? 'Isolated' : 'Contiguous'));
    }
    case 'Whitespace': {
      const re = compileRegex('\\w+|[^\\w\\s]+');
      return (pieces) => splitEach(pieces, splitter((text) => regexRanges(re, text), 'Removed', true));
    }
    case 'WhitespaceSplit': {
      const re = compileRegex('\\s+');
      return (pieces) => splitEach(pieces, splitter((text) => regexRanges(re, text), 'Removed'));
    }
    case 'Punctuation': {
      const re = /[\p{P}!-/:-@[-`{-~]/gu;
      const behavior = f.obj.behavior === undefined ? 'Isolated' : behaviorOf(f);
      return (pieces) => splitEach(pieces, splitter((text) => regexRanges(re, text), behavior));
    }
    default:
      return f.unknownType('pre_tokenizer');
  }
}
