import { isWhiteSpace, WORD_CHAR_RE } from './unicode.js';

/** An added token as tokenizers' AddedToken: matched in text before the model runs. */
export interface AddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A span of text: either an added token (id) or text for the model (id undefined). */
export interface Span {
  text: string;
  start: number;
  id?: number;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Splits text around one set of added tokens (tokenizers' AddedVocabulary::find_matches). */
export class AddedTokenMatcher {
  private readonly re: RegExp | null;
  private readonly byContent: Map<string, AddedToken>;

  constructor(tokens: readonly AddedToken[], normalize?: (s: string) => string) {
    this.byContent = new Map();
    const patterns: string[] = [];
    for (const t of tokens) {
      if (t.content === '') continue;
      const pattern = normalize ? normalize(t.content) : t.content;
      if (pattern === '' || this.byContent.has(pattern)) continue;
      this.byContent.set(pattern, t);
      patterns.push(pattern);
    }
    // Longest first: JS alternation is leftmost-first, this makes it leftmost-longest (aho-corasick's mode).
    patterns.sort((a, b) => b.length - a.length);
    this.re = patterns.length > 0 ? new RegExp(patterns.map(escapeRegex).join('|'), 'g') : null;
  }

  /** Spans covering `text` (offsets relative to `base`); empty text gives one empty span. */
  split(text: string, base: number): Span[] {
    if (this.re === null || text.length === 0) return [{ text, start: base }];
    const out: Span[] = [];
    let startOffset = 0;
    const re = this.re;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      let start = m.index;
      let stop = start + m[0].length;
      const token = this.byContent.get(m[0])!;
      if (token.single_word) {
        const before = start === 0 ? '' : lastChar(text, start);
        const after = stop === text.length ? '' : String.fromCodePoint(text.codePointAt(stop)!);
        const startSpace = before === '' || !WORD_CHAR_RE.test(before);
        const stopSpace = after === '' || !WORD_CHAR_RE.test(after);
        if (!startSpace || !stopSpace) continue;
      }
      if (token.lstrip) {
        let newStart = start;
        while (newStart > 0) {
          const c = lastChar(text, newStart);
          if (!isWhiteSpace(c)) break;
          newStart -= c.length;
        }
        start = Math.max(newStart, startOffset);
      }
      if (token.rstrip) {
        while (stop < text.length) {
          const c = String.fromCodePoint(text.codePointAt(stop)!);
          if (!isWhiteSpace(c)) break;
          stop += c.length;
        }
      }
      if (start > startOffset) out.push({ text: text.slice(startOffset, start), start: base + startOffset });
      out.push({ text: text.slice(start, stop), start: base + start, id: token.id });
      startOffset = stop;
    }
    if (startOffset !== text.length) out.push({ text: text.slice(startOffset), start: base + startOffset });
    return out;
  }
}

function lastChar(text: string, end: number): string {
  const c = text.charCodeAt(end - 1);
  if (c >= 0xdc00 && c <= 0xdfff && end >= 2) {
    const h = text.charCodeAt(end - 2);
    if (h >= 0xd800 && h <= 0xdbff) return text.slice(end - 2, end);
  }
  return text[end - 1]!;
}
