export { AutoTokenizer, type AutoTokenizerOptions } from './auto.js';
export {
  PreTrainedTokenizer,
  VERY_LARGE_INTEGER,
  type BatchEncoding,
  type CallOptions,
  type ChatTemplateOptions,
  type DecodeOptions,
  type EncodeOptions,
} from './tokenizer.js';
export { PreTrainedTokenizerFast } from './fast.js';
export { LlamaTokenizerFast } from './llama-fast.js';
export { LlamaTokenizer } from './slow-llama.js';
export { ChatTemplateError, type ChatMessage } from './chat-template.js';
export type { AddedTokenSpec, TokenLike } from './special-tokens.js';
export type { PaddingStrategy, TruncationStrategy, Side } from './padding.js';

export { TokenizerPipeline } from './json/pipeline.js';
export type { TokenizerJson, AddedTokenJson } from './json/types.js';
export { translateRegex, compileRegex } from './regex/translate.js';

export { parseSentencePieceModel, PieceType, type SentencePieceModel, type SentencePiece, type TrainerSpec, type NormalizerSpec } from './sentencepiece/model.js';
export { SentencePieceProcessor } from './sentencepiece/processor.js';
export { sentencePieceToTokenizerJson, llamaTemplateProcessing, type SentencePieceToJsonOptions } from './sentencepiece/to-json.js';
export { sentencePieceTokenizerConfig, LLAMA2_CHAT_TEMPLATE, type SentencePieceConfigOptions } from './sentencepiece/config.js';

export { parseTiktoken, type TiktokenEntry } from './tiktoken/parse.js';
export { tiktokenToTokenizerJson, llama3TokenizerConfig, type TiktokenToJsonOptions } from './tiktoken/to-json.js';
export { llama3SpecialTokens, LLAMA3_PATTERN, type Llama3Version } from './tiktoken/special-tokens.js';
export { LLAMA3_CHAT_TEMPLATE, LLAMA31_CHAT_TEMPLATE } from './tiktoken/chat-templates.js';
export { tokenizerFromGguf, ggufTokenizerParts, GGUF_TOKENIZER_MODELS, GGUF_LLAMA3_PRE, type GgufTokenizerParts } from './gguf/from-gguf.js';
