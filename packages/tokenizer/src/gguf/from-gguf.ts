// A tokenizer from a GGUF file's tokenizer.ggml.* metadata: the inverse of what convert_hf_to_gguf.py (and
// @cria/convert's addLlamaVocab) write. The metadata becomes the tokenizer.json transformers would have for that
// vocabulary, then the usual pipeline runs it:
// - 'llama' (SentencePiece BPE: pieces, scores, types): the LlamaConverter layout (legacy Prepend/Replace
//   normalizer, BPE with byte fallback and merges recovered from the scores, control/unknown/user-defined pieces
//   as added tokens), under LlamaTokenizerFast;
// - 'gpt2' with the Llama 3 pre-tokenizer ('llama-bpe', 'llama3', 'llama-v3'): Llama 3's tokenizer.json (Split
//   regex + ByteLevel, BPE with ignore_merges and the file's merges, control tokens as special added tokens,
//   ByteLevel decoder, TemplateProcessing adding bos), under PreTrainedTokenizerFast.
// Defaults where a key is absent are llama.cpp's (llama-vocab.cpp): SentencePiece bos 1, eos 2, unk 0, a space
// prefix, add_bos true; Llama 3 add_bos true; add_eos false for both.
import { FileFormatError, type GgufMetadata, type GgufScalar, type GgufValue, TOKEN_TYPE } from '@cria/core';
import { PreTrainedTokenizerFast } from '../fast.js';
import type { AddedTokenJson, TokenizerJson } from '../json/types.js';
import { LlamaTokenizerFast } from '../llama-fast.js';
import { PieceType, type SentencePieceModel } from '../sentencepiece/model.js';
import { llamaTemplateProcessing, sentencePieceToTokenizerJson } from '../sentencepiece/to-json.js';
import { llama3BpeTokenizerJson } from '../tiktoken/to-json.js';

/** The tokenizer.ggml.model values read here. */
export const GGUF_TOKENIZER_MODELS = ['llama', 'gpt2'] as const;
/** The tokenizer.ggml.pre values of a 'gpt2' vocabulary read here: llama.cpp's names for Llama 3's pre-tokenizer. */
export const GGUF_LLAMA3_PRE = ['llama-bpe', 'llama3', 'llama-v3'] as const;

/** What a GGUF vocabulary becomes: a tokenizer.json and the tokenizer_config.json fields that go with it. */
export interface GgufTokenizerParts {
  /** tokenizer.ggml.model */
  model: 'llama' | 'gpt2';
  tokenizer_json: TokenizerJson;
  /** tokenizer_config.json fields: special tokens, add_bos_token/add_eos_token, chat_template, tokenizer_class. */
  config: Record<string, unknown>;
}

const K = {
  model: 'tokenizer.ggml.model',
  pre: 'tokenizer.ggml.pre',
  tokens: 'tokenizer.ggml.tokens',
  scores: 'tokenizer.ggml.scores',
  types: 'tokenizer.ggml.token_type',
  merges: 'tokenizer.ggml.merges',
  addBos: 'tokenizer.ggml.add_bos_token',
  addEos: 'tokenizer.ggml.add_eos_token',
  addSpacePrefix: 'tokenizer.ggml.add_space_prefix',
  chatTemplate: 'tokenizer.chat_template',
  chatTemplates: 'tokenizer.chat_templates',
} as const;

/** transformers' special-token names and the GGUF keys of their ids (sic 'seperator': llama.cpp's key). */
const SPECIAL_ID_KEYS = [
  ['bos_token', 'tokenizer.ggml.bos_token_id'],
  ['eos_token', 'tokenizer.ggml.eos_token_id'],
  ['unk_token', 'tokenizer.ggml.unknown_token_id'],
  ['sep_token', 'tokenizer.ggml.seperator_token_id'],
  ['pad_token', 'tokenizer.ggml.padding_token_id'],
  ['mask_token', 'tokenizer.ggml.mask_token_id'],
] as const;

const INTEGER_TYPES = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64']);
const NUMBER_TYPES = new Set([...INTEGER_TYPES, 'float32', 'float64']);
const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'normal', 2: 'unknown', 3: 'control', 4: 'user-defined', 5: 'unused', 6: 'byte' };

/** Typed access to the metadata, every fault a FileFormatError naming the file and the key. */
class Reader {
  constructor(readonly metadata: GgufMetadata, readonly file: string) {}

  fail(key: string, fault: string): never {
    throw new FileFormatError(this.file, `${key} ${fault}`);
  }

  private get(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  private scalar(key: string): GgufScalar | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (v.type === 'array') this.fail(key, `must be a single value, got an array of ${v.itemType}`);
    return v.value;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (v.type !== 'string') this.fail(key, `must be a string, got ${v.type === 'array' ? `an array of ${v.itemType}` : v.type}`);
    const value = this.scalar(key);
    if (typeof value !== 'string') this.fail(key, 'is not valid UTF-8 text');
    return value;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (v.type !== 'bool' || typeof (v as { value: unknown }).value !== 'boolean') this.fail(key, `must be a bool, got ${v.type === 'array' ? `an array of ${v.itemType}` : v.type}`);
    return (v as { value: boolean }).value;
  }

  /** A token id: an integer below `count` (llama.cpp writes uint32). */
  id(key: string, count: number): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    const value = this.scalar(key);
    if (!INTEGER_TYPES.has(v.type) || (typeof value !== 'number' && typeof value !== 'bigint')) this.fail(key, `must be an integer token id, got ${v.type}`);
    const id = Number(value);
    if (!Number.isInteger(id) || id < 0 || id >= count) this.fail(key, `is ${String(value)}, outside the ${count} tokens of ${K.tokens}`);
    return id;
  }

  private array(key: string, kind: string, accepts: (itemType: string) => boolean, required: string | null): ArrayLike<GgufScalar> | undefined {
    const v = this.get(key);
    if (v === undefined) {
      if (required !== null) this.fail(key, `is missing (${required})`);
      return undefined;
    }
    if (v.type !== 'array' || !accepts(v.itemType)) this.fail(key, `must be an array of ${kind}, got ${v.type === 'array' ? `an array of ${v.itemType}` : `a single ${v.type}`}`);
    return v.values;
  }

  strings(key: string, required: string | null): string[] | undefined {
    const values = this.array(key, 'strings', (t) => t === 'string', required);
    if (values === undefined) return undefined;
    const out = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) {
      const s = values[i];
      if (typeof s !== 'string') this.fail(`${key}[${i}]`, s instanceof Uint8Array ? 'is not valid UTF-8 text' : `must be a string, got ${typeof s}`);
      out[i] = s;
    }
    return out;
  }

  numbers(key: string, count: number, integers: boolean, required: string | null): ArrayLike<number> | undefined {
    const values = this.array(key, integers ? 'integers' : 'numbers', (t) => (integers ? INTEGER_TYPES : NUMBER_TYPES).has(t), required);
    if (values === undefined) return undefined;
    if (values.length !== count) this.fail(key, `has ${values.length} entries for the ${count} tokens of ${K.tokens}`);
    if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array)) return values as ArrayLike<number>;
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const x = values[i];
      if (typeof x !== 'number' && typeof x !== 'bigint') this.fail(`${key}[${i}]`, `must be a number, got ${typeof x}`);
      out[i] = Number(x);
    }
    return out;
  }
}

/**
 * tokenizer.ggml.token_type checked (1..6). Without it llama.cpp takes every token as normal; here the special tokens
 * the file names are control tokens (unk: unknown), as transformers' GGUF reader does.
 */
function tokenTypes(r: Reader, count: number, ids: Partial<Record<string, number>>): Int32Array {
  const types = r.numbers(K.types, count, true, null);
  const out = new Int32Array(count).fill(TOKEN_TYPE.NORMAL);
  if (types === undefined) {
    for (const [name, id] of Object.entries(ids)) if (id !== undefined) out[id] = name === 'unk_token' ? TOKEN_TYPE.UNKNOWN : TOKEN_TYPE.CONTROL;
    return out;
  }
  for (let i = 0; i < count; i++) {
    const t = types[i]!;
    if (!(t in TYPE_NAMES)) r.fail(`${K.types}[${i}]`, `is ${t}; token types are ${Object.entries(TYPE_NAMES).map(([n, name]) => `${n} (${name})`).join(', ')}`);
    out[i] = t;
  }
  return out;
}

/** The special tokens' ids (llama.cpp's defaults for a SentencePiece vocabulary where a key is absent). */
function specialIds(r: Reader, tokens: readonly string[], spm: boolean): Partial<Record<(typeof SPECIAL_ID_KEYS)[number][0], number>> {
  const defaults: Record<string, number> = spm ? { bos_token: 1, eos_token: 2, unk_token: 0 } : {};
  const out: Record<string, number> = {};
  for (const [name, key] of SPECIAL_ID_KEYS) {
    const id = r.id(key, tokens.length) ?? defaults[name];
    if (id !== undefined && id < tokens.length) out[name] = id;
  }
  return out;
}

/** tokenizer.chat_template, or the named templates (tokenizer.chat_templates + tokenizer.chat_template.<name>). */
function chatTemplate(r: Reader): string | { name: string; template: string }[] | null {
  const main = r.string(K.chatTemplate);
  const names = r.strings(K.chatTemplates, null);
  if (!names || names.length === 0) return main ?? null;
  const list: { name: string; template: string }[] = [];
  if (main !== undefined) list.push({ name: 'default', template: main });
  for (const name of names) {
    const template = r.string(`${K.chatTemplate}.${name}`);
    if (template === undefined) r.fail(K.chatTemplates, `names '${name}' but ${K.chatTemplate}.${name} is missing`);
    list.push({ name, template });
  }
  return list;
}

/** The tokenizer.json and tokenizer_config.json fields a GGUF file's tokenizer metadata stands for. */
export function ggufTokenizerParts(metadata: GgufMetadata, file: string): GgufTokenizerParts {
  if (!(metadata instanceof Map)) throw new FileFormatError(String(file), 'the GGUF metadata must be a Map of key to value');
  const r: Reader = new Reader(metadata, file);
  const model = r.string(K.model);
  if (model === undefined) r.fail(K.model, `is missing; supported: ${GGUF_TOKENIZER_MODELS.map((m) => `'${m}'`).join(', ')}`);
  if (model !== 'llama' && model !== 'gpt2') {
    r.fail(K.model, `is '${model}'; supported: 'llama' (SentencePiece BPE with scores) and 'gpt2' (byte-level BPE with merges, with ${K.pre} ${GGUF_LLAMA3_PRE.map((p) => `'${p}'`).join(', ')})`);
  }
  const pre = r.string(K.pre);
  if (model === 'llama') {
    if (pre !== undefined && pre !== 'default') r.fail(K.pre, `is '${pre}'; a 'llama' (SentencePiece) vocabulary has no pre-tokenizer: supported is 'default' (or no key)`);
  } else if (pre === undefined || !(GGUF_LLAMA3_PRE as readonly string[]).includes(pre)) {
    r.fail(K.pre, `is ${pre === undefined ? 'missing' : `'${pre}'`}; supported for a 'gpt2' vocabulary: ${GGUF_LLAMA3_PRE.map((p) => `'${p}'`).join(', ')} (Llama 3's pre-tokenizer)`);
  }
  const tokens = r.strings(K.tokens, 'the vocabulary')!;
  if (tokens.length === 0) r.fail(K.tokens, 'is empty');
  const ids = specialIds(r, tokens, model === 'llama');
  const types = tokenTypes(r, tokens.length, ids);
  const template = chatTemplate(r);
  const config: Record<string, unknown> = {};
  for (const [name] of SPECIAL_ID_KEYS) {
    const id = ids[name];
    if (id !== undefined) config[name] = tokens[id];
  }
  if (template !== null) config.chat_template = template;

  if (model === 'llama') {
    const scores = r.numbers(K.scores, tokens.length, false, "a 'llama' vocabulary's merges come from its scores")!;
    const addBos = r.bool(K.addBos) ?? true;
    const addEos = r.bool(K.addEos) ?? false;
    const addPrefixSpace = r.bool(K.addSpacePrefix) ?? true;
    if (addBos && ids.bos_token === undefined) r.fail(K.addBos, 'is true but the file has no bos token (tokenizer.ggml.bos_token_id)');
    if (addEos && ids.eos_token === undefined) r.fail(K.addEos, 'is true but the file has no eos token (tokenizer.ggml.eos_token_id)');
    const json = sentencePieceToTokenizerJson(sentencePieceModel(tokens, scores, types, ids), { legacy: true, add_prefix_space: addPrefixSpace, add_bos_token: addBos, add_eos_token: addEos });
    Object.assign(config, { tokenizer_class: 'LlamaTokenizer', add_bos_token: addBos, add_eos_token: addEos, legacy: true, clean_up_tokenization_spaces: false });
    return { model, tokenizer_json: json, config };
  }

  const merges = r.strings(K.merges, "a 'gpt2' vocabulary needs its merges")!;
  const addBos = r.bool(K.addBos) ?? true;
  const addEos = r.bool(K.addEos) ?? false;
  const bos = ids.bos_token;
  const eos = ids.eos_token;
  if (addBos && bos === undefined) r.fail(K.addBos, `is ${metadata.has(K.addBos) ? 'true' : 'absent (true for Llama 3)'} but the file has no tokenizer.ggml.bos_token_id`);
  if (addEos && eos === undefined) r.fail(K.addEos, 'is true but the file has no tokenizer.ggml.eos_token_id');
  const json = llama3TokenizerJson(r, tokens, types, merges, addBos ? { token: tokens[bos!]!, id: bos! } : null, addEos ? { token: tokens[eos!]!, id: eos! } : null);
  Object.assign(config, { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: true, model_input_names: ['input_ids', 'attention_mask'] });
  return { model, tokenizer_json: json, config };
}

/** The SentencePiece model the GGUF vocabulary was written from (GGUF token types number as sentencepiece's). */
function sentencePieceModel(tokens: readonly string[], scores: ArrayLike<number>, types: Int32Array, ids: Partial<Record<string, number>>): SentencePieceModel {
  const pieceType: Readonly<Record<number, number>> = {
    [TOKEN_TYPE.NORMAL]: PieceType.NORMAL,
    [TOKEN_TYPE.UNKNOWN]: PieceType.UNKNOWN,
    [TOKEN_TYPE.CONTROL]: PieceType.CONTROL,
    [TOKEN_TYPE.USER_DEFINED]: PieceType.USER_DEFINED,
    [TOKEN_TYPE.UNUSED]: PieceType.UNUSED,
    [TOKEN_TYPE.BYTE]: PieceType.BYTE,
  };
  const pieces = tokens.map((piece, i) => ({ piece, score: scores[i]!, type: pieceType[types[i]!]! }));
  const unk = ids.unk_token ?? 0;
  return {
    pieces,
    trainer_spec: {
      model_type: 'BPE',
      vocab_size: tokens.length,
      byte_fallback: true,
      treat_whitespace_as_suffix: false,
      split_digits: false,
      unk_id: unk,
      bos_id: ids.bos_token ?? -1,
      eos_id: ids.eos_token ?? -1,
      pad_id: ids.pad_token ?? -1,
      unk_piece: tokens[unk]!,
      bos_piece: ids.bos_token !== undefined ? tokens[ids.bos_token]! : '<s>',
      eos_piece: ids.eos_token !== undefined ? tokens[ids.eos_token]! : '</s>',
      pad_piece: ids.pad_token !== undefined ? tokens[ids.pad_token]! : '<pad>',
      unk_surface: ' \u2047 ',
    },
    // llama.cpp's SentencePiece tokenizer neither collapses whitespace nor applies a charsmap
    normalizer_spec: { name: 'identity', precompiled_charsmap: new Uint8Array(0), add_dummy_prefix: true, remove_extra_whitespaces: false, escape_whitespaces: true },
    raw: [],
  };
}

/**
 * Llama 3's tokenizer.json over the GGUF vocabulary: normal (and byte/unused) tokens in the BPE vocab, control and
 * unknown tokens as special added tokens, user-defined ones as plain added tokens (matched in the raw text, as
 * llama.cpp does), the file's merges in order.
 */
function llama3TokenizerJson(
  r: Reader,
  tokens: readonly string[],
  types: Int32Array,
  merges: readonly string[],
  bos: { token: string; id: number } | null,
  eos: { token: string; id: number } | null,
): TokenizerJson {
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  const added: AddedTokenJson[] = [];
  for (let id = 0; id < tokens.length; id++) {
    const content = tokens[id]!;
    const type = types[id]!;
    if (type === TOKEN_TYPE.CONTROL || type === TOKEN_TYPE.UNKNOWN || type === TOKEN_TYPE.USER_DEFINED) {
      if (content === '') r.fail(`${K.tokens}[${id}]`, `is an empty ${TYPE_NAMES[type]} token`);
      added.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: type !== TOKEN_TYPE.USER_DEFINED });
    } else vocab[content] = id;
  }
  for (let rank = 0; rank < merges.length; rank++) {
    const m = merges[rank]!;
    const space = m.indexOf(' ', 1);
    if (space < 0) r.fail(`${K.merges}[${rank}]`, `must be "left right", got ${JSON.stringify(m)}`);
    const a = m.slice(0, space);
    const b = m.slice(space + 1);
    for (const part of [a, b, a + b]) {
      if (!(part in vocab)) r.fail(`${K.merges}[${rank}]`, `("${m}") needs the token ${JSON.stringify(part)}, which is not a normal token of ${K.tokens}`);
    }
  }
  return llama3BpeTokenizerJson({ vocab: { ...vocab }, merges: [...merges], addedTokens: added, template: llamaTemplateProcessing(bos, eos) });
}

/**
 * Builds the tokenizer a GGUF file carries in its tokenizer.ggml.* metadata (`file` names it in errors):
 * a 'llama' (SentencePiece) vocabulary gives a LlamaTokenizerFast, a 'gpt2' vocabulary with Llama 3's
 * pre-tokenizer a PreTrainedTokenizerFast; special tokens, add_bos/add_eos and the chat template come along, so
 * encode, decode(skip_special_tokens) and apply_chat_template work as on the Hugging Face folder it came from.
 * Other vocabularies are refused with a FileFormatError naming the key.
 */
export function tokenizerFromGguf(metadata: GgufMetadata, file: string): PreTrainedTokenizerFast {
  const { model, tokenizer_json, config } = ggufTokenizerParts(metadata, file);
  const init = { config, tokenizer_json, name_or_path: file };
  return model === 'llama' ? new LlamaTokenizerFast(init) : new PreTrainedTokenizerFast(init);
}
