/** The shapes of a Hugging Face tokenizer.json, as far as this package reads them. */
export type JsonObject = Record<string, unknown>;

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
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
