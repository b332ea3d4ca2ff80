import { ArgumentError } from '@cria/core';
import { Callable } from './callable.js';
import { type ChatMessage, renderChatTemplate, resolveChatTemplate } from './chat-template.js';
import { cleanUpTokenization } from './clean-up.js';
import type { Processed } from './json/post-processors.js';
import { checkSide, padEncodings, paddingTarget, type PaddingStrategy, type Side, truncatePair, type TruncationStrategy } from './padding.js';
import { type AddedTokenSpec, SPECIAL_TOKEN_NAMES, type SpecialTokenName, tokenContent, type TokenLike, toSpec } from './special-tokens.js';
import { nodeFs } from './node-fs.js';

/** transformers' VERY_LARGE_INTEGER: "no limit" for model_max_length. */
export const VERY_LARGE_INTEGER = 1e30;

export interface EncodeOptions {
  /** Add what the post-processor adds (BOS for Llama). Default true. */
  add_special_tokens?: boolean;
  text_pair?: string | null;
  truncation?: TruncationStrategy;
  max_length?: number | null;
}

export interface DecodeOptions {
  skip_special_tokens?: boolean;
  /**
   * Apply transformers' clean_up_tokenization (drops the space before punctuation and contractions).
   * Default: not for BPE models (every cria tokenizer), whatever tokenizer_config.json says, as in
   * transformers 5, unless it also sets clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output.
   * Given here, it does what it says.
   */
  clean_up_tokenization_spaces?: boolean | null;
  /** Slow tokenizers only: join added tokens with spaces (transformers' default true). */
  spaces_between_special_tokens?: boolean;
}

export interface CallOptions {
  text_pair?: string | string[] | null;
  add_special_tokens?: boolean;
  padding?: PaddingStrategy;
  padding_side?: Side;
  truncation?: TruncationStrategy;
  truncation_side?: Side;
  max_length?: number | null;
  pad_to_multiple_of?: number | null;
  return_attention_mask?: boolean;
  return_token_type_ids?: boolean;
  return_special_tokens_mask?: boolean;
  /** Only undefined/null (plain arrays) is supported; cria's Tensor lives on a backend, so build it there. */
  return_tensors?: null;
}

/** What calling a tokenizer returns: number[] per text for a batch, a flat number[] for one string. */
export interface BatchEncoding<T> {
  input_ids: T;
  attention_mask: T;
  token_type_ids?: T;
  special_tokens_mask?: T;
}

export interface ChatTemplateOptions {
  chat_template?: string;
  tools?: unknown[] | null;
  documents?: unknown[] | null;
  add_generation_prompt?: boolean;
  continue_final_message?: boolean;
  /** Default true: return ids; false: return the rendered string. */
  tokenize?: boolean;
  padding?: PaddingStrategy;
  truncation?: TruncationStrategy;
  max_length?: number | null;
  return_dict?: boolean;
  /** Extra variables for the template (date_string, builtin_tools, ...). */
  [extra: string]: unknown;
}

export interface TokenizerInit {
  /** tokenizer_config.json merged with special_tokens_map.json and caller overrides. */
  config: Record<string, unknown>;
  name_or_path?: string;
}

/** A tokenizer instance is callable (as in transformers.js): `tokenizer(texts, options)` runs `_call`. */
export interface PreTrainedTokenizer {
  (text: string, options?: CallOptions): BatchEncoding<number[]>;
  (text: string[], options?: CallOptions): BatchEncoding<number[][]>;
}

/**
 * The part of transformers' PreTrainedTokenizerBase that does not depend on the backend: special
 * tokens, encode/decode, batch calls with padding and truncation, chat templates. A tokenizer
 * instance is callable: `tokenizer(texts, options)` is `tokenizer._call(texts, options)`.
 */
export abstract class PreTrainedTokenizer extends Callable {
  name_or_path: string;
  bos_token: string | null = null;
  eos_token: string | null = null;
  unk_token: string | null = null;
  sep_token: string | null = null;
  pad_token: string | null = null;
  cls_token: string | null = null;
  mask_token: string | null = null;
  additional_special_tokens: string[] = [];
  padding_side: Side;
  truncation_side: Side;
  model_max_length: number;
  clean_up_tokenization_spaces: boolean;
  /** transformers 5's opt-in to clean up a BPE tokenizer's decoded text by default anyway. */
  clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output: boolean;
  chat_template: string | Record<string, string> | null;
  /** The configuration this tokenizer was built from (written back by save_pretrained). */
  readonly init_kwargs: Record<string, unknown>;

  constructor(init: TokenizerInit, defaults: { padding_side: Side }) {
    super();
    const c = init.config;
    this.init_kwargs = { ...c };
    this.name_or_path = init.name_or_path ?? '';
    for (const name of SPECIAL_TOKEN_NAMES) this[name] = tokenContent(c[name], `tokenizer_config.json ${name}`);
    const extra = c.additional_special_tokens;
    if (extra !== undefined && extra !== null) {
      if (!Array.isArray(extra)) throw new ArgumentError('tokenizer_config.json additional_special_tokens: expected an array');
      this.additional_special_tokens = extra.map((t, i) => tokenContent(t, `additional_special_tokens[${i}]`)!);
    }
    this.padding_side = checkSide(c.padding_side ?? defaults.padding_side, 'padding_side');
    this.truncation_side = checkSide(c.truncation_side ?? 'right', 'truncation_side');
    const maxLength = c.model_max_length;
    this.model_max_length = typeof maxLength === 'number' && maxLength > 0 ? maxLength : VERY_LARGE_INTEGER;
    this.clean_up_tokenization_spaces = c.clean_up_tokenization_spaces === undefined ? false : Boolean(c.clean_up_tokenization_spaces);
    this.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output = Boolean(c.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output);
    const template = c.chat_template;
    if (Array.isArray(template)) {
      this.chat_template = Object.fromEntries(template.map((t: { name: string; template: string }) => [t.name, t.template]));
    } else this.chat_template = typeof template === 'string' ? template : null;
  }

  // ---- what a backend provides ----

  /** Ids of a text without special tokens added around it (added tokens inside it are recognised). */
  protected abstract encodeText(text: string): number[];
  /** Adds the special tokens around one sequence or a pair. */
  protected abstract buildSpecial(a: number[], b: number[] | null): Processed;
  protected abstract decodeIds(ids: number[], skipSpecialTokens: boolean, spacesBetweenSpecialTokens: boolean): string;
  protected abstract tokenToId(token: string): number | undefined;
  protected abstract idToToken(id: number): string | undefined;
  /** Adds tokens not yet known; returns how many got a new id. */
  protected abstract addTokensToBackend(tokens: AddedTokenSpec[]): number;
  /** Size of the vocabulary with added tokens (Python's len(tokenizer)). */
  abstract get vocab_size(): number;
  abstract get_vocab(): Record<string, number>;
  /** Writes the vocabulary files (tokenizer.json or tokenizer.model); returns their paths. */
  abstract save_vocabulary(directory: string, filename_prefix?: string): Promise<string[]>;
  /** The tokens added on top of the model's vocabulary, by id. */
  abstract get added_tokens_decoder(): Record<number, Required<AddedTokenSpec>>;

  /** Rebuilds what encode adds from bos/eos and add_bos_token/add_eos_token (a no-op where nothing needs rebuilding). */
  update_post_processor(): void {}

  // ---- special tokens ----

  private idOf(token: string | null): number | null {
    return token === null ? null : this.convert_tokens_to_ids(token);
  }

  get bos_token_id(): number | null {
    return this.idOf(this.bos_token);
  }
  get eos_token_id(): number | null {
    return this.idOf(this.eos_token);
  }
  get unk_token_id(): number | null {
    return this.unk_token === null ? null : (this.tokenToId(this.unk_token) ?? null);
  }
  get pad_token_id(): number | null {
    return this.idOf(this.pad_token);
  }
  get sep_token_id(): number | null {
    return this.idOf(this.sep_token);
  }
  get cls_token_id(): number | null {
    return this.idOf(this.cls_token);
  }
  get mask_token_id(): number | null {
    return this.idOf(this.mask_token);
  }

  /** bos, eos, unk, sep, pad, cls, mask and the additional special tokens, without repeats. */
  get all_special_tokens(): string[] {
    const out: string[] = [];
    for (const name of SPECIAL_TOKEN_NAMES) {
      const t = this[name];
      if (t !== null && !out.includes(t)) out.push(t);
    }
    for (const t of this.additional_special_tokens) if (!out.includes(t)) out.push(t);
    return out;
  }

  get all_special_ids(): number[] {
    return this.all_special_tokens.map((t) => this.convert_tokens_to_ids(t));
  }

  get special_tokens_map(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const name of SPECIAL_TOKEN_NAMES) {
      const t = this[name];
      if (t !== null) out[name] = t;
    }
    if (this.additional_special_tokens.length > 0) out.additional_special_tokens = [...this.additional_special_tokens];
    return out;
  }

  /** Adds tokens (not special unless `special_tokens`); returns how many are new. */
  add_tokens(tokens: TokenLike | TokenLike[], special_tokens = false): number {
    const list = Array.isArray(tokens) ? tokens : [tokens];
    const count = this.addTokensToBackend(list.map((t, i) => toSpec(t, special_tokens, `add_tokens: tokens[${i}]`)));
    return count;
  }

  /**
   * Sets special tokens (`{ pad_token: '<pad>' }`, `additional_special_tokens: [...]`), adding any the
   * vocabulary lacks; returns how many tokens are new. Changing bos/eos updates what encode adds.
   */
  add_special_tokens(tokens: Partial<Record<SpecialTokenName, TokenLike>> & { additional_special_tokens?: TokenLike[] }, replace_additional_special_tokens = true): number {
    if (typeof tokens !== 'object' || tokens === null) throw new ArgumentError('add_special_tokens: expected an object like { pad_token: "<pad>" }');
    const specs: AddedTokenSpec[] = [];
    for (const [key, value] of Object.entries(tokens)) {
      if (key === 'additional_special_tokens') {
        if (!Array.isArray(value)) throw new ArgumentError('add_special_tokens: additional_special_tokens must be an array');
        const extra = value.map((t, i) => toSpec(t as TokenLike, true, `additional_special_tokens[${i}]`));
        specs.push(...extra);
        const names = extra.map((s) => s.content);
        this.additional_special_tokens = replace_additional_special_tokens ? names : [...new Set([...this.additional_special_tokens, ...names])];
        continue;
      }
      if (!(SPECIAL_TOKEN_NAMES as readonly string[]).includes(key)) {
        throw new ArgumentError(`add_special_tokens: unknown key '${key}' (expected one of ${SPECIAL_TOKEN_NAMES.join(', ')}, additional_special_tokens)`);
      }
      const spec = toSpec(value as TokenLike, true, `add_special_tokens: ${key}`);
      specs.push(spec);
      this[key as SpecialTokenName] = spec.content;
    }
    const added = this.addTokensToBackend(specs);
    this.update_post_processor();
    return added;
  }

  // ---- tokens and ids ----

  convert_tokens_to_ids(tokens: string): number;
  convert_tokens_to_ids(tokens: string[]): number[];
  convert_tokens_to_ids(tokens: string | string[]): number | number[] {
    const one = (t: string): number => {
      if (typeof t !== 'string') throw new ArgumentError(`convert_tokens_to_ids: expected token strings, got ${JSON.stringify(t)}`);
      const id = this.tokenToId(t);
      if (id !== undefined) return id;
      const unk = this.unk_token_id;
      if (unk === null) throw new ArgumentError(`convert_tokens_to_ids: token ${JSON.stringify(t)} is not in the vocabulary and the tokenizer has no unk_token`);
      return unk;
    };
    return Array.isArray(tokens) ? tokens.map(one) : one(tokens);
  }

  convert_ids_to_tokens(ids: number, skip_special_tokens?: boolean): string;
  convert_ids_to_tokens(ids: readonly number[], skip_special_tokens?: boolean): string[];
  convert_ids_to_tokens(ids: number | readonly number[], skip_special_tokens = false): string | string[] {
    if (typeof ids === 'number') return this.tokenOf(ids);
    const special = skip_special_tokens ? new Set(this.all_special_ids) : null;
    return this.checkIds(ids, 'convert_ids_to_tokens')
      .filter((id) => !special?.has(id))
      .map((id) => this.tokenOf(id));
  }

  private tokenOf(id: number): string {
    const t = this.idToToken(id);
    if (t === undefined) throw new ArgumentError(`convert_ids_to_tokens: id ${id} is outside the vocabulary (size ${this.vocab_size})`);
    return t;
  }

  protected checkIds(ids: unknown, where: string): number[] {
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) throw new ArgumentError(`${where}: expected an array of token ids, got ${typeof ids}`);
    const out: number[] = [];
    const list = ids as ArrayLike<number | bigint>;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ArgumentError(`${where}: token ids must be non-negative integers, got ${String(v)}`);
      out.push(n);
    }
    return out;
  }

  /** The tokens of a text (added tokens whole), without special tokens unless asked. */
  tokenize(text: string, options: { add_special_tokens?: boolean; pair?: string | null } = {}): string[] {
    const ids = this.encodeOne(text, options.pair ?? null, { add_special_tokens: options.add_special_tokens ?? false }).ids;
    return ids.map((id) => this.tokenOf(id));
  }

  // ---- encode ----

  /** Token count the special tokens add to one sequence (pair=false) or a pair. */
  num_special_tokens_to_add(pair = false): number {
    return this.buildSpecial([], pair ? [] : null).ids.length;
  }

  build_inputs_with_special_tokens(token_ids_0: number[], token_ids_1: number[] | null = null): number[] {
    return this.buildSpecial(token_ids_0, token_ids_1).ids;
  }

  get_special_tokens_mask(token_ids_0: number[], token_ids_1: number[] | null = null, already_has_special_tokens = false): number[] {
    if (already_has_special_tokens) {
      if (token_ids_1 !== null) throw new ArgumentError('get_special_tokens_mask: token_ids_1 must be null when already_has_special_tokens is true');
      const special = new Set(this.all_special_ids);
      return token_ids_0.map((id) => (special.has(id) ? 1 : 0));
    }
    return this.buildSpecial(token_ids_0, token_ids_1).specialMask;
  }

  create_token_type_ids_from_sequences(token_ids_0: number[], token_ids_1: number[] | null = null): number[] {
    return this.buildSpecial(token_ids_0, token_ids_1).typeIds;
  }

  private checkText(text: unknown, where: string): string {
    if (typeof text !== 'string') throw new ArgumentError(`${where}: expected a string, got ${text === null ? 'null' : typeof text}`);
    return text;
  }

  private maxLength(truncationOrPadding: boolean, maxLength: number | null | undefined): number | null {
    if (maxLength !== undefined && maxLength !== null) {
      if (!Number.isInteger(maxLength) || maxLength < 0) throw new ArgumentError(`max_length: expected a non-negative integer, got ${maxLength}`);
      return maxLength;
    }
    return truncationOrPadding && this.model_max_length < VERY_LARGE_INTEGER ? this.model_max_length : null;
  }

  protected encodeOne(text: string, pair: string | null, options: EncodeOptions & { truncation_side?: Side }): Processed {
    let a = this.encodeText(this.checkText(text, 'text'));
    let b = pair === null || pair === undefined ? null : this.encodeText(this.checkText(pair, 'text_pair'));
    const add = options.add_special_tokens ?? true;
    const truncation = options.truncation ?? false;
    if (truncation !== false && truncation !== 'do_not_truncate') {
      const max = this.maxLength(true, options.max_length);
      if (max !== null) {
        const total = a.length + (b?.length ?? 0) + (add ? this.num_special_tokens_to_add(b !== null) : 0);
        [a, b] = truncatePair(a, b, total - max, truncation, options.truncation_side ?? this.truncation_side);
      }
    }
    if (add) return this.buildSpecial(a, b);
    const ids = b ? [...a, ...b] : a;
    return { ids, typeIds: b ? [...a.map(() => 0), ...b.map(() => 1)] : a.map(() => 0), specialMask: ids.map(() => 0) };
  }

  /** Ids of a text; with add_special_tokens (default true) what the post-processor adds (BOS for Llama). */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeOne(text, options.text_pair ?? null, options).ids;
  }

  /** Calls the tokenizer on one text or a batch (what `tokenizer(texts, options)` runs). */
  _call(text: string, options?: CallOptions): BatchEncoding<number[]>;
  _call(text: string[], options?: CallOptions): BatchEncoding<number[][]>;
  _call(text: string | string[], options: CallOptions = {}): BatchEncoding<number[]> | BatchEncoding<number[][]> {
    const batched = Array.isArray(text);
    const texts = batched ? text : [text];
    if (options.return_tensors !== undefined && options.return_tensors !== null) {
      throw new ArgumentError(`return_tensors: only plain arrays are returned (got ${JSON.stringify(options.return_tensors)}); make a Tensor on your backend from input_ids`);
    }
    let pairs: (string | null)[] = texts.map(() => null);
    if (options.text_pair !== undefined && options.text_pair !== null) {
      const p = options.text_pair;
      if (Array.isArray(p) !== batched) throw new ArgumentError('text_pair: must be a string for one text and an array for a batch');
      pairs = Array.isArray(p) ? p : [p];
      if (pairs.length !== texts.length) throw new ArgumentError(`text_pair: ${pairs.length} pairs for ${texts.length} texts`);
    }
    const encodings = texts.map((t, i) =>
      this.encodeOne(this.checkText(t, batched ? `text[${i}]` : 'text'), pairs[i] ?? null, {
        add_special_tokens: options.add_special_tokens ?? true,
        truncation: options.truncation ?? false,
        max_length: options.max_length ?? null,
        truncation_side: options.truncation_side ? checkSide(options.truncation_side, 'truncation_side') : this.truncation_side,
      }),
    );
    const padding = options.padding ?? false;
    const target = paddingTarget(encodings, padding, () => this.maxLength(true, options.max_length), options.pad_to_multiple_of);
    if (target !== null && this.pad_token_id === null) {
      throw new ArgumentError(
        'padding: the tokenizer has no pad_token. Set one, e.g. tokenizer.add_special_tokens({ pad_token: "[PAD]" }) or tokenizer.pad_token = tokenizer.eos_token',
      );
    }
    const side = options.padding_side ? checkSide(options.padding_side, 'padding_side') : this.padding_side;
    const out = padEncodings(encodings, target, side, this.pad_token_id ?? 0, options);
    if (options.return_attention_mask === false) delete (out as Partial<BatchEncoding<number[][]>>).attention_mask;
    if (batched) return out;
    const single: Partial<BatchEncoding<number[]>> = {};
    for (const [k, v] of Object.entries(out)) (single as Record<string, number[]>)[k] = (v as number[][])[0]!;
    return single as BatchEncoding<number[]>;
  }

  /** `_call` on a batch (for callers that prefer a method to calling the instance). */
  encodeBatch(texts: string[], options: CallOptions = {}): BatchEncoding<number[][]> {
    if (!Array.isArray(texts)) throw new ArgumentError('encodeBatch: expected an array of strings');
    return this._call(texts, options);
  }

  // ---- decode ----

  decode(token_ids: readonly number[] | ArrayLike<number> | ArrayLike<bigint>, options: DecodeOptions = {}): string {
    const ids = this.checkIds(token_ids, 'decode');
    const text = this.decodeIds(ids, options.skip_special_tokens ?? false, options.spaces_between_special_tokens ?? true);
    // Every model cria reads is BPE (tokenizer.json's BPE, SentencePiece BPE, tiktoken), for which
    // transformers 5 skips the configured clean-up: it strips legitimate spaces before punctuation.
    const clean = options.clean_up_tokenization_spaces ??
      (this.clean_up_tokenization_spaces && this.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output);
    return clean ? cleanUpTokenization(text) : text;
  }

  batch_decode(sequences: readonly (readonly number[] | ArrayLike<number>)[], options: DecodeOptions = {}): string[] {
    if (!Array.isArray(sequences)) throw new ArgumentError('batch_decode: expected an array of id sequences');
    return sequences.map((s) => this.decode(s, options));
  }

  // ---- chat templates ----

  apply_chat_template(conversation: ChatMessage[], options?: ChatTemplateOptions & { tokenize?: true; return_dict?: false }): number[];
  apply_chat_template(conversation: ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): string;
  apply_chat_template(conversation: ChatMessage[], options: ChatTemplateOptions & { return_dict: true }): BatchEncoding<number[]>;
  apply_chat_template(conversation: ChatMessage[], options?: ChatTemplateOptions): number[] | string | BatchEncoding<number[]>;
  apply_chat_template(conversation: ChatMessage[], options: ChatTemplateOptions = {}): number[] | string | BatchEncoding<number[]> {
    if (!Array.isArray(conversation)) throw new ArgumentError('apply_chat_template: conversation must be an array of {role, content} messages');
    conversation.forEach((m, i) => {
      if (typeof m !== 'object' || m === null || typeof m.role !== 'string') throw new ArgumentError(`apply_chat_template: conversation[${i}] must be an object with a string role`);
    });
    const {
      chat_template,
      tools = null,
      documents = null,
      add_generation_prompt = false,
      continue_final_message = false,
      tokenize = true,
      padding,
      truncation,
      max_length,
      return_dict = false,
      ...extra
    } = options;
    if (continue_final_message && add_generation_prompt) throw new ArgumentError('apply_chat_template: continue_final_message and add_generation_prompt cannot both be true');
    const template = resolveChatTemplate(this.chat_template, chat_template, tools !== null);
    let rendered = renderChatTemplate(template, {
      ...this.special_tokens_map,
      ...extra,
      messages: conversation,
      tools,
      documents,
      add_generation_prompt,
    });
    if (continue_final_message) {
      const last = conversation[conversation.length - 1];
      const content = typeof last?.content === 'string' ? last.content.trim() : '';
      const at = rendered.lastIndexOf(content);
      if (content === '' || at < 0) throw new ArgumentError('apply_chat_template: continue_final_message: the final message content is not in the rendered chat');
      rendered = rendered.slice(0, at + content.length);
    }
    if (!tokenize) return rendered;
    const encoding = this._call(rendered, { add_special_tokens: false, padding: padding ?? false, truncation: truncation ?? false, max_length: max_length ?? null });
    return return_dict ? encoding : encoding.input_ids;
  }

  // ---- saving ----

  /** tokenizer_config.json as transformers writes it for this tokenizer. */
  protected tokenizerConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { ...this.init_kwargs };
    for (const name of SPECIAL_TOKEN_NAMES) config[name] = this[name];
    if (this.additional_special_tokens.length > 0) config.additional_special_tokens = [...this.additional_special_tokens];
    else delete config.additional_special_tokens;
    config.added_tokens_decoder = Object.fromEntries(Object.entries(this.added_tokens_decoder).map(([id, t]) => [id, { ...t }]));
    config.clean_up_tokenization_spaces = this.clean_up_tokenization_spaces;
    config.model_max_length = this.model_max_length;
    config.padding_side = this.padding_side;
    if (this.chat_template !== null) config.chat_template = this.chat_template;
    return config;
  }

  /** Writes tokenizer_config.json, special_tokens_map.json and the vocabulary files; returns the paths. */
  async save_pretrained(directory: string): Promise<string[]> {
    if (typeof directory !== 'string' || directory === '') throw new ArgumentError('save_pretrained: directory must be a non-empty path');
    const { fs, path } = await nodeFs();
    await fs.mkdir(directory, { recursive: true });
    const configPath = path.join(directory, 'tokenizer_config.json');
    await fs.writeFile(configPath, JSON.stringify(this.tokenizerConfig(), null, 2) + '\n');
    const mapPath = path.join(directory, 'special_tokens_map.json');
    await fs.writeFile(mapPath, JSON.stringify(this.special_tokens_map, null, 2) + '\n');
    const files = await this.save_vocabulary(directory);
    return [configPath, mapPath, ...files];
  }
}
