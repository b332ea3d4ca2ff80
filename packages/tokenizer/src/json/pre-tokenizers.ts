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
    parts.forEach((text, i) => out.push({ text, atStart: piece.atStart && i === 0 && piece.text.startsWith(text) }));
  }
  return out;
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
        ranges = (text) => regexRanges(re, text);
      }
      return (pieces) => splitEach(pieces, splitter(ranges, behavior, invert));
    }
    case 'ByteLevel': {
      const addPrefixSpace = f.bool('add_prefix_space', true);
      const useRegex = f.bool('use_regex', true);
      const re = compileRegex(GPT2_PATTERN);
      const split = splitter((text) => regexRanges(re, text), 'Isolated');
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          const text = addPrefixSpace && !piece.text.startsWith(' ') ? ' ' + piece.text : piece.text;
          const parts = useRegex ? split(text) : text.length > 0 ? [text] : [];
          parts.forEach((p, i) => out.push({ text: toByteLevel(p), atStart: piece.atStart && i === 0 }));
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
