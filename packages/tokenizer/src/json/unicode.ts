/** Unicode helpers matching Rust's `char` predicates, which tokenizers uses. */

/** Rust `char::is_whitespace`: the Unicode White_Space property. */
export const WHITE_SPACE_RE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

export function isWhiteSpace(ch: string): boolean {
  return WHITE_SPACE_RE.test(ch);
}

/** Rust regex `\w` (Unicode word character). */
export const WORD_CHAR_RE = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

const LEADING_WS = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const TRAILING_WS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

export function trimStartWs(s: string): string {
  return s.replace(LEADING_WS, '');
}

export function trimEndWs(s: string): string {
  return s.replace(TRAILING_WS, '');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JS strings may hold lone surrogates, which no Rust or Python tokenizer can receive. They become
 * U+FFFD (what TextEncoder writes for them), so encoding is total and matches encoding the UTF-8 text.
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}
