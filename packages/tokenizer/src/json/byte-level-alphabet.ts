/**
 * GPT-2's bytes_to_unicode: every byte maps to a printable character, so byte-level BPE can work on
 * strings. Printable Latin-1 bytes map to themselves; the rest to U+0100 onwards, in byte order.
 */
function buildByteToChar(): string[] {
  const table: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + n++);
  }
  return table;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const SPACE_CHAR = BYTE_TO_CHAR[0x20]!;

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The byte-level form of a string: its UTF-8 bytes, each as its alphabet character (lone surrogates as U+FFFD). */
export function toByteLevel(text: string): string {
  const n = text.length;
  // Most words are printable ASCII, perhaps after one leading space (which becomes 'Ġ').
  let i = n > 0 && text.charCodeAt(0) === 0x20 ? 1 : 0;
  const start = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) break;
    i++;
  }
  if (i === n) return start === 0 ? text : SPACE_CHAR + text.slice(1);
  let out = start === 0 ? text.slice(0, i) : SPACE_CHAR + text.slice(1, i);
  const T = BYTE_TO_CHAR;
  for (; i < n; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out += T[cp];
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) out += T[0xc0 | (cp >> 6)]! + T[0x80 | (cp & 0x3f)]!;
    else if (cp < 0x10000) out += T[0xe0 | (cp >> 12)]! + T[0x80 | ((cp >> 6) & 0x3f)]! + T[0x80 | (cp & 0x3f)]!;
    else out += T[0xf0 | (cp >> 18)]! + T[0x80 | ((cp >> 12) & 0x3f)]! + T[0x80 | ((cp >> 6) & 0x3f)]! + T[0x80 | (cp & 0x3f)]!;
  }
  return out;
}
