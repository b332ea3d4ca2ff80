import { ArgumentError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { compileRegex, translateRegex } from './translate.js';

const all = (pattern: string, text: string): string[] => [...text.matchAll(compileRegex(pattern))].map((m) => m[0]);

describe('translateRegex (Rust/Oniguruma semantics on JS RegExp)', () => {
  it('\\s is Unicode White_Space: U+0085 yes, U+FEFF and U+200B no', () => {
    expect(all('\\s+', 'a\u0085b')).toEqual(['\u0085']);
    expect(all('\\s+', 'a\ufeffb\u200bc')).toEqual([]);
    expect(all('\\S+', 'a\ufeff b')).toEqual(['a\ufeff', 'b']);
  });
  it('\\d and \\w are Unicode', () => {
    expect(all('\\d+', 'x٣٤y12')).toEqual(['٣٤', '12']);
    expect(all('\\w+', 'héllo_wörld ok')).toEqual(['héllo_wörld', 'ok']);
  });
  it('. matches \\r and U+2028 but not \\n', () => {
    expect(all('.+', 'a\rb\u2028c\nd')).toEqual(['a\rb\u2028c', 'd']);
  });
  it('(?i:...) folds case like Unicode simple case folding (ſ is s, K is k)', () => {
    expect(all("(?i:'s|'ll)", "it's IT'S it'ſ we'LL x's")).toEqual(["'s", "'S", "'ſ", "'LL", "'s"]);
    expect(all('(?i:k)', 'kK\u212a')).toEqual(['k', 'K', '\u212a']);
    expect(all('(?i:a)b', 'AB Ab ab')).toEqual(['Ab', 'ab']);
    expect(all('(?i:[xy])', 'xXyY')).toEqual(['x', 'X', 'y', 'Y']);
  });
  it('\\A and \\z anchor the text; ^ and $ are line anchors (Ruby syntax)', () => {
    expect(all('\\A +| +\\z', '  a  b  ')).toEqual(['  ', '  ']);
    expect(all('^x', 'x\nx')).toEqual(['x', 'x']);
    expect(all('x$', 'x\nx')).toEqual(['x', 'x']);
  });
  it('keeps lookahead and \\p classes', () => {
    expect(all('\\s+(?!\\S)|\\s+', 'a   b')).toEqual(['  ', ' ']);
    expect(all('\\p{L}+', 'αβγ 12 xyz')).toEqual(['αβγ', 'xyz']);
    expect(translateRegex('[^\\r\\n\\p{L}\\p{N}]?\\p{L}+')).toBe('[^\\r\\n\\p{L}\\p{N}]?\\p{L}+');
  });
  it('refuses what it cannot translate faithfully, naming the pattern', () => {
    for (const p of ['(?>a)', 'a++', '\\G', '(\\w)\\1', '[[:alpha:]]', '(?x)a', '(?i:[a-z])']) expect(() => translateRegex(p), p).toThrow(ArgumentError);
    expect(() => translateRegex('(a')).toThrow(/"\(a"/);
  });
});
