import { readFileSync } from 'node:fs';
import { fixture } from '@cria/core/testing';

/** A vector file from fixtures/tokenizers/vectors, parsed. */
export function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(fixture('tokenizers', 'vectors', name), 'utf8')) as T;
}

export function tokenizerDir(name: 'llama2' | 'llama3' | 'tok512'): string {
  return fixture('tokenizers', name);
}

/** A short printable label for a test name. */
export function label(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 60 ? s.slice(0, 57) + '..."' : s;
}

export interface HfEncode {
  text: string;
  ids: number[];
  ids_no_special: number[];
  tokens: string[];
  decoded: string;
  decoded_with_special: string;
  sentencepiece_ids?: number[];
}

export interface HfDecode {
  ids: number[];
  decoded: string;
  decoded_skip_special: string;
}

export interface HfVectors {
  sets: Record<'llama2' | 'llama3', { tokenizer_json: string; encode: HfEncode[]; decode: HfDecode[] }>;
}
