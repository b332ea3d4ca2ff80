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

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The byte-level form of a string: its UTF-8 bytes, each as its alphabet character (lone surrogates as U+FFFD). */
export function toByteLevel(text: string): string {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) break;
    i++;
  }
  if (i === n) return text;
  let out = text.slice(0, i);
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
