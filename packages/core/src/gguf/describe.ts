// Bounded descriptions of names and values read from a GGUF file, for error messages: a hostile file can hold a name
// or string of any length, so nothing is quoted whole.
import type { GgufValue } from './values.js';

const MAX_QUOTED = 80;

/** `s` in single quotes, control characters escaped, cut at 80 characters. */
export function quote(s: string): string {
  const cut = s.length > MAX_QUOTED ? s.slice(0, MAX_QUOTED) : s;
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f'\\\u2028\u2029]/g, (c) => (c === "'" || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `'${escaped}${cut.length < s.length ? '…' : ''}'`;
}

/** A value as `type value`, e.g. `uint32 48`, `string 'abc'`, `array of 3 int32`. */
export function describeValue(value: GgufValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value.type === 'array') return `array of ${value.values.length} ${value.itemType}`;
  const v = value.value;
  if (typeof v === 'string') return `${value.type} ${quote(v)}`;
  if (v instanceof Uint8Array) return `${value.type} of ${v.byteLength} bytes that are not UTF-8`;
  return `${value.type} ${String(v)}`;
}
