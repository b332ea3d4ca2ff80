import { ArgumentError, FileFormatError, type ModelDirectory, ggufLocation, readGguf, toModelDirectory } from '@cria/core';
import { ggufTokenizerParts } from './gguf/from-gguf.js';
import { PreTrainedTokenizerFast } from './fast.js';
import { LlamaTokenizerFast } from './llama-fast.js';
import { readBytes, readTokenizerConfig } from './load-config.js';
import { LlamaTokenizer } from './slow-llama.js';
import { looksLikeTiktoken } from './tiktoken/parse.js';
import type { Llama3Version } from './tiktoken/special-tokens.js';
import { llama3TokenizerConfig, tiktokenToTokenizerJson } from './tiktoken/to-json.js';
import type { PreTrainedTokenizer } from './tokenizer.js';

export interface AutoTokenizerOptions {
  /** Default true: tokenizer.json when present. false: the slow tokenizer from tokenizer.model. */
  use_fast?: boolean;
  /** For a Llama 3 tiktoken tokenizer.model without tokenizer.json: which release names the special tokens (default '3'). */
  llama3_version?: Llama3Version;
  /** Overrides for tokenizer_config.json fields. */
  [key: string]: unknown;
}

const LLAMA_CLASSES = new Set(['LlamaTokenizer', 'LlamaTokenizerFast', 'CodeLlamaTokenizer', 'CodeLlamaTokenizerFast']);

/**
 * Picks and loads the tokenizer of a model folder as transformers' AutoTokenizer does:
 * tokenizer_config.json's tokenizer_class (LlamaTokenizer -> LlamaTokenizerFast when use_fast), the
 * tokenizer.json when there is one, otherwise tokenizer.model: SentencePiece -> LlamaTokenizer,
 * Meta's Llama 3 tiktoken file -> converted to the Llama 3 tokenizer.json. A GGUF file (`dir` names it, or is a folder
 * without config.json holding one): the fast tokenizer built from its `tokenizer.ggml.*` metadata.
 */
export class AutoTokenizer {
  static async from_pretrained(dir: string | ModelDirectory, options: AutoTokenizerOptions = {}): Promise<PreTrainedTokenizer> {
    const { use_fast = true, llama3_version, ...overrides } = options;
    const gguf = await ggufLocation(dir);
    if (gguf) {
      if (!use_fast) throw new ArgumentError(`AutoTokenizer: ${gguf.file} holds its vocabulary as GGUF metadata, read as a fast tokenizer (leave use_fast out)`);
      if (llama3_version !== undefined) throw new ArgumentError(`AutoTokenizer: 'llama3_version' names a tiktoken file's special tokens; ${gguf.file} names its own (leave it out)`);
      const source = await gguf.directory.open(gguf.file);
      try {
        const file = await readGguf(source);
        const { model, tokenizer_json, config } = ggufTokenizerParts(file.metadata, file.file);
        const init = { config: { ...config, ...overrides }, tokenizer_json, name_or_path: file.file };
        return model === 'llama' ? new LlamaTokenizerFast(init) : new PreTrainedTokenizerFast(init);
      } finally {
        await source.close();
      }
    }
    const directory = toModelDirectory(dir);
    const config = { ...(await readTokenizerConfig(directory)), ...overrides };
    const cls = typeof config.tokenizer_class === 'string' ? config.tokenizer_class : null;
    const hasJson = await directory.exists('tokenizer.json');
    const hasModel = await directory.exists('tokenizer.model');
    if (!hasJson && !hasModel) {
      throw new FileFormatError(directory.name, 'has neither tokenizer.json nor tokenizer.model');
    }
    let modelBytes: Uint8Array | null = null;
    if (hasModel && (!use_fast || !hasJson)) modelBytes = await readBytes(directory, 'tokenizer.model');
    const llama = cls === null ? !hasJson : LLAMA_CLASSES.has(cls);
    if (modelBytes && looksLikeTiktoken(modelBytes)) {
      const version = llama3_version ?? '3';
      const json = tiktokenToTokenizerJson(new TextDecoder('utf-8', { ignoreBOM: true }).decode(modelBytes), { version });
      // The converted tokenizer.json names its own added tokens (by version); a folder's table is not applied on top.
      const { added_tokens_decoder: _ignored, ...rest } = config;
      const merged = { ...llama3TokenizerConfig({ version }), ...rest };
      return new PreTrainedTokenizerFast({ config: merged, tokenizer_json: json, name_or_path: directory.name });
    }
    if (use_fast && (hasJson || llama)) {
      // A Llama folder with only tokenizer.model: LlamaTokenizerFast converts it, as transformers does.
      if (llama) return LlamaTokenizerFast.from_pretrained(directory, overrides);
      // Any other class with a tokenizer.json: the generic fast tokenizer reads it.
      return PreTrainedTokenizerFast.from_pretrained(directory, overrides);
    }
    if (!modelBytes) throw new FileFormatError(`${directory.name}/tokenizer.model`, 'is missing (use_fast: false needs the SentencePiece model)');
    if (cls !== null && !llama) throw new ArgumentError(`tokenizer_class '${cls}' has no slow implementation here; only LlamaTokenizer reads tokenizer.model`);
    return new LlamaTokenizer({ config, model_bytes: modelBytes, name_or_path: directory.name });
  }
}
