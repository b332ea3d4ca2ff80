import { ArgumentError } from '@cria/core';
import type { AddedToken } from './json/added-tokens.js';

/** An added token as the caller or a tokenizer_config.json gives it (transformers' AddedToken fields). */
export interface AddedTokenSpec {
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

export type TokenLike = string | AddedTokenSpec;

export const SPECIAL_TOKEN_NAMES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

/** A token given as a string or as `{content, ...}` (tokenizer_config.json's AddedToken form). */
export function tokenContent(value: unknown, where: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  throw new ArgumentError(`${where}: expected a token string or {"content": ...}, got ${JSON.stringify(value)}`);
}

export function toSpec(value: TokenLike, special: boolean, where: string): AddedTokenSpec {
  if (typeof value === 'string') return { content: value, special };
  if (typeof value === 'object' && value !== null && typeof value.content === 'string') return { special, ...value };
  throw new ArgumentError(`${where}: expected a token string or {content, lstrip?, rstrip?, single_word?, normalized?, special?}, got ${JSON.stringify(value)}`);
}

export function toAddedToken(spec: AddedTokenSpec, id: number): AddedToken {
  const special = spec.special ?? false;
  return {
    id,
    content: spec.content,
    single_word: spec.single_word ?? false,
    lstrip: spec.lstrip ?? false,
    rstrip: spec.rstrip ?? false,
    // transformers: special tokens default to normalized=false, others to true
    normalized: spec.normalized ?? !special,
    special,
  };
}
