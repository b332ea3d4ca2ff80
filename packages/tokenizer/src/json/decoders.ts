import { compileRegex } from '../regex/translate.js';
import { CHAR_TO_BYTE } from './byte-level-alphabet.js';
import type { Fields } from './fields.js';

/** A tokenizer.json decoder: tokens in, tokens out (decode_chain); the caller joins the result. */
export type Decoder = (tokens: string[]) => string[];

const utf8Lossy = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-F]{2})>$/;

export function buildDecoder(f: Fields): Decoder {
  switch (f.obj.type) {
    case 'Sequence': {
      const steps = f.array('decoders').map((d, i) => buildDecoder(f.sub(d, `${f.where}.decoders[${i}]`)));
      return (tokens) => {
        for (const step of steps) tokens = step(tokens);
        return tokens;
      };
    }
    case 'Replace': {
      const pattern = f.pattern('pattern');
      const content = f.string('content');
      const needle = pattern.value;
      if (pattern.kind === 'string') return (tokens) => (needle === '' ? tokens : tokens.map((t) => (t.includes(needle) ? t.replaceAll(needle, content) : t)));
      const re = compileRegex(pattern.value);
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case 'ByteFallback':
      return (tokens) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = (): void => {
          if (bytes.length === 0) return;
          try {
            out.push(utf8Strict.decode(new Uint8Array(bytes)));
          } catch {
            for (let i = 0; i < bytes.length; i++) out.push('\ufffd');
          }
          bytes = [];
        };
        for (const t of tokens) {
          const m = t.length === 6 && t.charCodeAt(0) === 60 ? BYTE_TOKEN.exec(t) : null;
          if (m) bytes.push(parseInt(m[1]!, 16));
          else {
            flush();
            out.push(t);
          }
        }
        flush();
        return out;
      };
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      const content = f.string('content');
      const start = f.int('start', 0);
      const stop = f.int('stop', 0);
      // Strips up to `start` leading and `stop` trailing copies of `content` (one character) per token.
      return (tokens) =>
        tokens.map((t) => {
          let begin = 0;
          for (let i = 0; i < start && t.startsWith(content, begin); i++) begin += content.length;
          let end = t.length;
          for (let i = 0; i < stop && end - content.length >= begin && t.startsWith(content, end - content.length); i++) end -= content.length;
          return begin === 0 && end === t.length ? t : t.slice(begin, end);
        });
    }
    case 'ByteLevel':
      return (tokens) => {
        const bytes: number[] = [];
        for (const t of tokens) {
          const start = bytes.length;
          let ok = true;
          for (const ch of t) {
            const b = CHAR_TO_BYTE.get(ch);
            if (b === undefined) {
              ok = false;
              break;
            }
            bytes.push(b);
          }
          if (!ok) {
            bytes.length = start;
            for (const b of encoder.encode(t)) bytes.push(b);
          }
        }
        return [utf8Lossy.decode(new Uint8Array(bytes))];
      };
    case 'Metaspace': {
      const replacement = f.string('replacement');
      let scheme = f.optString('prepend_scheme');
      if (scheme === null) scheme = f.bool('add_prefix_space', true) ? 'always' : 'never';
      return (tokens) =>
        tokens.map((t, i) => {
          let s = t.split(replacement).join(' ');
          if (i === 0 && scheme !== 'never' && s.startsWith(' ')) s = s.slice(1);
          return s;
        });
    }
    default:
      return f.unknownType('decoder');
  }
}
