import { ArgumentError, type ModelDirectory, toModelDirectory } from '@cria/core';
import { TokenizerPipeline } from './json/pipeline.js';
import type { Processed } from './json/post-processors.js';
import type { TokenizerJson } from './json/types.js';
import { readTokenizerConfig } from './load-config.js';
import type { Side } from './padding.js';
import { type AddedTokenSpec, toAddedToken } from './special-tokens.js';
import { PreTrainedTokenizer, type TokenizerInit } from './tokenizer.js';
import { nodeFs } from './node-fs.js';

export interface FastInit extends TokenizerInit {
  tokenizer_json: TokenizerJson;
}

export interface FromPretrainedOptions {
  /** Overrides for tokenizer_config.json fields (bos_token, add_bos_token, legacy, padding_side, ...). */
  [key: string]: unknown;
}

/**
 * transformers' PreTrainedTokenizerFast: a tokenizer.json pipeline under the transformers API. The
 * tokenizer.json post-processor decides what encode adds (Llama 3's adds <|begin_of_text|>).
 */
export class PreTrainedTokenizerFast extends PreTrainedTokenizer {
  readonly backend: TokenizerPipeline;

  constructor(init: FastInit, defaults: { padding_side: Side } = { padding_side: 'right' }) {
    super(init, defaults);
    this.backend = new TokenizerPipeline(init.tokenizer_json, init.name_or_path ? `${init.name_or_path}/tokenizer.json` : 'tokenizer.json');
    // added_tokens_decoder from tokenizer_config.json, then special tokens the vocabulary lacks (as transformers does).
    const decoder = init.config.added_tokens_decoder;
    if (decoder && typeof decoder === 'object') {
      const specs: { id: number; spec: AddedTokenSpec }[] = [];
      for (const [id, value] of Object.entries(decoder as Record<string, AddedTokenSpec>)) {
        if (!this.backend.addedToken(value.content) && this.backend.model.tokenToId(value.content) === undefined) specs.push({ id: Number(id), spec: value });
      }
      this.backend.addTokens(specs.map(({ id, spec }) => toAddedToken(spec, id)));
    }
    const missing = this.all_special_tokens.filter((t) => this.backend.tokenToId(t) === undefined);
    if (missing.length > 0) this.addTokensToBackend(missing.map((content) => ({ content, special: true })));
  }

  /** Loads tokenizer.json + tokenizer_config.json + special_tokens_map.json from a folder. */
  static async from_pretrained(dir: string | ModelDirectory, options: FromPretrainedOptions = {}): Promise<PreTrainedTokenizerFast> {
    const directory = toModelDirectory(dir);
    const config = { ...(await readTokenizerConfig(directory)), ...options };
    const json = await directory.readJson<TokenizerJson>('tokenizer.json');
    return new this({ config, tokenizer_json: json, name_or_path: directory.name });
  }

  protected encodeText(text: string): number[] {
    return this.backend.encodeText(text);
  }

  protected buildSpecial(a: number[], b: number[] | null): Processed {
    return this.backend.postProcess(a, b, true);
  }

  protected decodeIds(ids: number[], skipSpecialTokens: boolean): string {
    return this.backend.decode(ids, skipSpecialTokens);
  }

  protected tokenToId(token: string): number | undefined {
    return this.backend.tokenToId(token);
  }

  protected idToToken(id: number): string | undefined {
    return this.backend.idToToken(id);
  }

  protected addTokensToBackend(tokens: AddedTokenSpec[]): number {
    let added = 0;
    for (const spec of tokens) {
      if (spec.content === '') throw new ArgumentError('add_tokens: a token must not be empty');
      const existing = this.backend.addedToken(spec.content);
      const modelId = this.backend.model.tokenToId(spec.content);
      const id = existing?.id ?? modelId ?? this.backend.vocabSize;
      if (existing === undefined && modelId === undefined) added++;
      const token = toAddedToken(spec, id);
      if (existing && spec.special === undefined) token.special = existing.special;
      this.backend.addTokens([token]);
    }
    return added;
  }

  get vocab_size(): number {
    return this.backend.vocabSize;
  }

  get_vocab(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let id = 0; id < this.backend.model.vocabSize; id++) {
      const t = this.backend.model.idToToken(id);
      if (t !== undefined) out[t] = id;
    }
    for (const t of this.backend.added) out[t.content] = t.id;
    return out;
  }

  get added_tokens_decoder(): Record<number, Required<AddedTokenSpec>> {
    const out: Record<number, Required<AddedTokenSpec>> = {};
    for (const t of [...this.backend.added].sort((a, b) => a.id - b.id)) {
      out[t.id] = { content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special };
    }
    return out;
  }

  /** The tokenizer.json this tokenizer would save (with its added tokens and post-processor). */
  toTokenizerJson(): TokenizerJson {
    return this.backend.toJson();
  }

  async save_vocabulary(directory: string, filename_prefix?: string): Promise<string[]> {
    const { fs, path } = await nodeFs();
    await fs.mkdir(directory, { recursive: true });
    const file = path.join(directory, `${filename_prefix ? filename_prefix + '-' : ''}tokenizer.json`);
    await fs.writeFile(file, JSON.stringify(this.toTokenizerJson(), null, 2) + '\n');
    return [file];
  }

  protected override tokenizerConfig(): Record<string, unknown> {
    const config = super.tokenizerConfig();
    config.tokenizer_class ??= 'PreTrainedTokenizerFast';
    return config;
  }
}
