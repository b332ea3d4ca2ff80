/** The shapes of a Hugging Face tokenizer.json, as far as this package reads them. */
import type { AddedTokenSpec } from '../special-tokens.js';

export type JsonObject = Record<string, unknown>;

/** An entry of tokenizer.json's added_tokens: the fields of an added token, with its id. */
export interface AddedTokenJson extends AddedTokenSpec {
  id: number;
}

export interface TokenizerJson {
  version?: string;
  truncation?: unknown;
  padding?: unknown;
  added_tokens?: AddedTokenJson[];
  normalizer?: JsonObject | null;
  pre_tokenizer?: JsonObject | null;
  model: JsonObject;
  post_processor?: JsonObject | null;
  decoder?: JsonObject | null;
}

/** A pattern as tokenizer.json writes it: `{ String: "..." }` or `{ Regex: "..." }`. */
export type PatternJson = { String: string } | { Regex: string };
