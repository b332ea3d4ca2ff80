import { ArgumentError, type ModelDirectory, toModelDirectory } from '@cria/core';
import { PreTrainedTokenizerFast, type FastInit } from './fast.js';
import type { TokenizerJson } from './json/types.js';
import { readBytes, readTokenizerConfig } from './load-config.js';
import { withLlamaTokenizerConfig } from './llama-tokenizer-config.js';
import { parseSentencePieceModel } from './sentencepiece/model.js';
import { llamaTemplateProcessing, sentencePieceToTokenizerJson } from './sentencepiece/to-json.js';

/**
 * transformers' LlamaTokenizerFast: tokenizer.json under the transformers API, padding on the left,
 * and a post-processor rebuilt from bos/eos and add_bos_token/add_eos_token (update_post_processor).
 */
export class LlamaTokenizerFast extends PreTrainedTokenizerFast {
  private addBos: boolean;
  private addEos: boolean;
  readonly legacy: boolean;

  constructor(init: FastInit) {
    super(init, { padding_side: 'left' });
    const c = init.config;
    this.legacy = c.legacy === undefined || c.legacy === null ? true : Boolean(c.legacy);
    this.addBos = c.add_bos_token === undefined ? true : Boolean(c.add_bos_token);
    this.addEos = c.add_eos_token === undefined ? false : Boolean(c.add_eos_token);
    this.update_post_processor();
  }

  /**
   * Loads tokenizer.json (or, with `from_slow: true` or `add_prefix_space` given, converts
   * tokenizer.model as transformers does, honouring `legacy` and `add_prefix_space`).
   */
  static override async from_pretrained(dir: string | ModelDirectory, options: Record<string, unknown> = {}): Promise<LlamaTokenizerFast> {
    const directory = toModelDirectory(dir);
    const config = { ...(await readTokenizerConfig(directory)), ...options };
    const fromSlow = Boolean(config.from_slow) || (config.add_prefix_space !== undefined && config.add_prefix_space !== null);
    delete config.from_slow;
    let json: TokenizerJson;
    if (fromSlow || !(await directory.exists('tokenizer.json'))) {
      const model = parseSentencePieceModel(await readBytes(directory, 'tokenizer.model'), `${directory.name}/tokenizer.model`);
      json = sentencePieceToTokenizerJson(model, {
        legacy: config.legacy === undefined || config.legacy === null ? true : Boolean(config.legacy),
        add_prefix_space: config.add_prefix_space === undefined || config.add_prefix_space === null ? true : Boolean(config.add_prefix_space),
      });
    } else json = await directory.readJson<TokenizerJson>('tokenizer.json');
    return new LlamaTokenizerFast({ config, tokenizer_json: json, name_or_path: directory.name });
  }

  get add_bos_token(): boolean {
    return this.addBos;
  }
  set add_bos_token(value: boolean) {
    this.addBos = value;
    this.update_post_processor();
  }
  get add_eos_token(): boolean {
    return this.addEos;
  }
  set add_eos_token(value: boolean) {
    this.addEos = value;
    this.update_post_processor();
  }

  /** Rebuilds the TemplateProcessing post-processor from the current bos/eos tokens and flags. */
  override update_post_processor(): void {
    if (this.addBos === undefined) return; // called from the base constructor before the flags exist
    const bos = this.bos_token;
    const eos = this.eos_token;
    if (this.addBos && bos === null) throw new ArgumentError('add_bos_token = true but bos_token = null');
    if (this.addEos && eos === null) throw new ArgumentError('add_eos_token = true but eos_token = null');
    this.backend.setPostProcessor(
      llamaTemplateProcessing(
        this.addBos && bos !== null ? { token: bos, id: this.convert_tokens_to_ids(bos) } : null,
        this.addEos && eos !== null ? { token: eos, id: this.convert_tokens_to_ids(eos) } : null,
      ),
    );
  }

  protected override tokenizerConfig(): Record<string, unknown> {
    return withLlamaTokenizerConfig(super.tokenizerConfig(), { addBos: this.addBos, addEos: this.addEos, legacy: this.legacy });
  }
}
