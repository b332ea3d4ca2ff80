import { ArgumentError } from '@cria/core';
import { BYTE_TO_CHAR } from '../json/byte-level-alphabet.js';
import type { TokenizerJson } from '../json/types.js';
import { LLAMA3_CHAT_TEMPLATE, LLAMA31_CHAT_TEMPLATE } from './chat-templates.js';
import { parseTiktoken } from './parse.js';
import { type Llama3Version, LLAMA3_PATTERN, llama3SpecialTokens } from './special-tokens.js';

export interface TiktokenToJsonOptions {
  version: Llama3Version;
  instruct?: boolean;
}

function byteLevel(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}

function checkVersion(version: unknown): asserts version is Llama3Version {
  if (version !== '3' && version !== '3.1' && version !== '3.2') {
    throw new ArgumentError(`version: expected '3', '3.1' or '3.2', got ${JSON.stringify(version)}`);
  }
}

/**
 * Converts Meta's Llama 3 tiktoken `tokenizer.model` text into the tokenizer.json that transformers'
 * converter writes: byte-level BPE whose merges are recovered from the ranks (every split of a token
 * into two ranked tokens, ordered by the token's rank), `ignore_merges`, the Llama 3 split regex, and
 * the 256 special tokens of that version from id 128000 on.
 */
export function tiktokenToTokenizerJson(modelText: string, options: TiktokenToJsonOptions): TokenizerJson {
  checkVersion(options?.version);
  const entries = parseTiktoken(modelText);
  const rankOf = new Map<string, number>();
  const vocab: Record<string, number> = {};
  const strings: string[] = [];
  for (const e of entries) {
    const s = byteLevel(e.bytes);
    rankOf.set(s, e.rank);
    vocab[s] = e.rank;
    strings[e.rank] = s;
  }
  const merges: [number, string, string, number, number][] = []; // [mergedRank, left, right, rankLeft, rankRight]
  for (const e of entries) {
    const s = strings[e.rank]!;
    if (s.length < 2) continue;
    const local: [number, string, string, number, number][] = [];
    for (let k = 1; k < s.length; k++) {
      const l = s.slice(0, k);
      const r = s.slice(k);
      const rl = rankOf.get(l);
      const rr = rankOf.get(r);
      if (rl !== undefined && rr !== undefined) local.push([e.rank, l, r, rl, rr]);
    }
    local.sort((a, b) => a[3] - b[3] || a[4] - b[4]);
    merges.push(...local);
  }
  merges.sort((a, b) => a[0] - b[0]);
  const base = entries.length;
  const specials = llama3SpecialTokens(options.version);
  const bos = specials[0]!;
  return llama3BpeTokenizerJson({
    vocab,
    merges: merges.map(([, l, r]) => `${l} ${r}`),
    addedTokens: specials.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    template: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: bos, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [base], tokens: [bos] } },
    },
  });
}

/**
 * The tokenizer.json of Llama 3's byte-level BPE (as transformers' converter writes it): the Llama 3 split regex then
 * ByteLevel, merges with ignore_merges, the ByteLevel decoder, and `template` (a TemplateProcessing) after the ByteLevel
 * post-processor. Shared by the tiktoken conversion and the GGUF 'gpt2' / 'llama-bpe' vocabulary.
 */
export function llama3BpeTokenizerJson(parts: {
  vocab: Record<string, number>;
  merges: string[];
  addedTokens: TokenizerJson['added_tokens'];
  template: unknown;
}): TokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: parts.addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'Sequence',
      processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true }, parts.template],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab: parts.vocab,
      merges: parts.merges,
    },
  } as TokenizerJson;
}

/**
 * The tokenizer_config.json transformers writes beside a converted Llama 3 tokenizer: bos, eos
 * (`<|eot_id|>` for instruct models, `<|end_of_text|>` otherwise), the added-token table, and the chat
 * template for instruct models.
 */
export function llama3TokenizerConfig(options: TiktokenToJsonOptions & { baseVocabSize?: number }): Record<string, unknown> {
  checkVersion(options?.version);
  const base = options.baseVocabSize ?? 128000;
  const specials = llama3SpecialTokens(options.version);
  const addedTokensDecoder: Record<string, unknown> = {};
  specials.forEach((content, i) => {
    addedTokensDecoder[String(base + i)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  const config: Record<string, unknown> = {
    added_tokens_decoder: addedTokensDecoder,
    bos_token: '<|begin_of_text|>',
    clean_up_tokenization_spaces: true,
    eos_token: options.instruct ? '<|eot_id|>' : '<|end_of_text|>',
    model_input_names: ['input_ids', 'attention_mask'],
    model_max_length: options.version === '3' ? 8192 : 131072,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  if (options.instruct) config.chat_template = options.version === '3' ? LLAMA3_CHAT_TEMPLATE : LLAMA31_CHAT_TEMPLATE;
  return config;
}
