import { compileRegex } from '../regex/translate.js';
import type { Fields } from './fields.js';
import { trimEndWs, trimStartWs } from './unicode.js';

/** A tokenizer.json normalizer: a function from text to normalized text. */
export type Normalizer = (text: string) => string;

/** Builds a normalizer from its tokenizer.json object (null for none). */
export function buildNormalizer(f: Fields): Normalizer {
  const type = f.obj.type;
  switch (type) {
    case 'Sequence': {
      const parts = f.array('normalizers').map((n, i) => buildNormalizer(f.sub(n, `${f.where}.normalizers[${i}]`)));
      return (text) => {
        for (const p of parts) text = p(text);
        return text;
      };
    }
    case 'Prepend': {
      const prepend = f.string('prepend');
      return (text) => (text.length === 0 ? text : prepend + text);
    }
    case 'Append': {
      const append = f.string('append');
      return (text) => (text.length === 0 ? text : text + append);
    }
    case 'Replace': {
      const pattern = f.pattern('pattern');
      const content = f.string('content');
      if (pattern.kind === 'string') return (text) => (pattern.value === '' ? text : text.split(pattern.value).join(content));
      const re = compileRegex(pattern.value);
      return (text) => text.replace(re, () => content);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (text) => text.normalize(type);
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'Strip': {
      const left = f.bool('strip_left', true);
      const right = f.bool('strip_right', true);
      return (text) => {
        if (left) text = trimStartWs(text);
        if (right) text = trimEndWs(text);
        return text;
      };
    }
    case 'StripAccents':
      return (text) => text.replace(/\p{Mn}/gu, '');
    default:
      return f.unknownType('normalizer');
  }
}
