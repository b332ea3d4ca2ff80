// The tokenizer.ggml.* metadata of a Llama checkpoint, as LlamaModel.set_vocab writes it: SentencePiece
// ("llama": pieces, scores, types from tokenizer.model) when the folder has a SentencePiece tokenizer.model,
// else byte-level BPE ("gpt2": tokens and types from tokenizer.json, merges, pre-tokenizer "llama-bpe").
import { ArgumentError, FileFormatError } from '@cria/core';
import { LLAMA3_PATTERN, parseSentencePieceModel, PieceType } from '@cria/tokenizer';
import { TOKEN_TYPE } from '@cria/core';
import { type GgufMetadata, gguf } from './metadata.js';
import { addSpecialVocab, loadSpecialVocab } from './special-vocab.js';

type Json = Record<string, unknown>;

/** The tokenizer files of a model folder, as read from disk ('tokenizer.json' and the other JSON files parsed). */
export interface LlamaTokenizerFiles {
  'tokenizer.model'?: Uint8Array;
  'tokenizer.json'?: Json;
  'tokenizer_config.json'?: Json;
  'added_tokens.json'?: Json;
  'chat_template.jinja'?: string;
}

export interface LlamaVocabOptions {
  /** tokenizer.ggml.pre of a BPE vocabulary; by default 'llama-bpe' for Llama 3's pre-tokenizer, refused otherwise. */
  tokenizerPre?: string | undefined;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** TextModel.does_token_look_special */
export function doesTokenLookSpecial(token: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(token) ||
    (token.startsWith('<|') && token.endsWith('|>')) ||
    (token.startsWith('<｜') && token.endsWith('｜>')) ||
    (token.startsWith('<unused') && token.endsWith('>'))
  );
}

/** Whether tokenizer.model is a SentencePiece model (Llama 3 folders may hold a tiktoken file of that name). */
function sentencePieceOf(bytes: Uint8Array | undefined): ReturnType<typeof parseSentencePieceModel> | null {
  if (!bytes) return null;
  try {
    const model = parseSentencePieceModel(bytes);
    return model.pieces.length > 0 ? model : null;
  } catch {
    return null;
  }
}

/** tokenizer.ggml.* keys for `files` (config.json's vocab_size and *_token_id included), appended to `m`. */
export function addLlamaVocab(m: GgufMetadata, files: LlamaTokenizerFiles, config: Json, vocabSize: number, options: LlamaVocabOptions = {}): void {
  const tokenizerConfig = files['tokenizer_config.json'];
  const prefixSpace = tokenizerConfig?.add_prefix_space;
  if (prefixSpace !== undefined && prefixSpace !== null) m.set('tokenizer.ggml.add_space_prefix', gguf.bool(Boolean(prefixSpace)));
  const special = { tokenizerJson: files['tokenizer.json'], tokenizerConfig, config, chatTemplateFile: files['chat_template.jinja'] };
  const spm = sentencePieceOf(files['tokenizer.model']);
  if (spm) {
    const { tokens, scores, types } = sentencePieceVocab(spm.pieces, files, vocabSize);
    m.set('tokenizer.ggml.model', gguf.string('llama'));
    m.set('tokenizer.ggml.pre', gguf.string('default'));
    m.set('tokenizer.ggml.tokens', gguf.array('string', tokens));
    m.set('tokenizer.ggml.scores', gguf.array('float32', scores));
    m.set('tokenizer.ggml.token_type', gguf.array('int32', types));
    addSpecialVocab(m, loadSpecialVocab({ ...special, loadMerges: false, nVocab: tokens.length }));
    return;
  }
  const json = files['tokenizer.json'];
  if (!json) throw new ArgumentError("writeLlamaGguf: the tokenizer needs a SentencePiece tokenizer.model or a byte-level BPE tokenizer.json; neither was given");
  const { tokens, types } = bpeVocab(json, vocabSize);
  m.set('tokenizer.ggml.model', gguf.string('gpt2'));
  m.set('tokenizer.ggml.pre', gguf.string(options.tokenizerPre ?? bpePreOf(json)));
  m.set('tokenizer.ggml.tokens', gguf.array('string', tokens));
  m.set('tokenizer.ggml.token_type', gguf.array('int32', types));
  addSpecialVocab(m, loadSpecialVocab({ ...special, loadMerges: true }));
}

/** TextModel._create_vocab_sentencepiece */
function sentencePieceVocab(pieces: readonly { piece: string; score: number; type: number }[], files: LlamaTokenizerFiles, vocabSize: number) {
  const tokens: string[] = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const scores = new Array<number>(vocabSize).fill(-10000.0);
  const types = new Array<number>(vocabSize).fill(TOKEN_TYPE.UNUSED);
  for (let id = 0; id < Math.min(pieces.length, vocabSize); id++) {
    const { piece, score, type } = pieces[id]!;
    tokens[id] = piece;
    scores[id] = score;
    // sentencepiece's IsUnknown / IsControl / IsUnused / IsByte, in that order; anything else (user-defined too) is NORMAL
    types[id] = type === PieceType.UNKNOWN ? TOKEN_TYPE.UNKNOWN : type === PieceType.CONTROL ? TOKEN_TYPE.CONTROL : type === PieceType.UNUSED ? TOKEN_TYPE.UNUSED : type === PieceType.BYTE ? TOKEN_TYPE.BYTE : TOKEN_TYPE.NORMAL;
  }
  const added = files['added_tokens.json'];
  if (isObject(added)) {
    for (const [key, id] of Object.entries(added)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new FileFormatError('added_tokens.json', `the id of '${key}' must be a non-negative integer, got ${JSON.stringify(id)}`);
      if (id >= vocabSize) continue;
      tokens[id] = key;
      scores[id] = -1000.0;
      types[id] = TOKEN_TYPE.USER_DEFINED;
    }
  }
  const decoder = files['tokenizer_config.json']?.added_tokens_decoder;
  if (isObject(decoder)) {
    for (const [key, data] of Object.entries(decoder)) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || !isObject(data) || typeof data.content !== 'string') {
        throw new FileFormatError('tokenizer_config.json', `added_tokens_decoder['${key}'] must map an integer id to { content, ... }`);
      }
      if (id >= vocabSize) continue;
      let token = data.content;
      if (data.special || doesTokenLookSpecial(token)) types[id] = TOKEN_TYPE.CONTROL;
      else {
        token = token.replaceAll('\u2581', ' ');
        types[id] = TOKEN_TYPE.USER_DEFINED;
      }
      scores[id] = -1000.0;
      tokens[id] = token;
    }
  }
  return { tokens, scores, types };
}

/** TextModel.get_vocab_base over tokenizer.json: model vocab plus added tokens, [PADi] for ids nobody has. */
function bpeVocab(json: Json, vocabSize: number) {
  const model = json.model;
  if (!isObject(model) || model.type !== 'BPE' || !isObject(model.vocab)) {
    throw new FileFormatError('tokenizer.json', `a byte-level BPE tokenizer needs model.type 'BPE' with a vocab, got model.type ${JSON.stringify(isObject(model) ? model.type : model)}`);
  }
  const byId = new Map<number, string>();
  for (const [token, id] of Object.entries(model.vocab)) if (typeof id === 'number') byId.set(id, token);
  const added = new Map<string, { special: boolean }>();
  for (const t of Array.isArray(json.added_tokens) ? json.added_tokens : []) {
    if (!isObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number') throw new FileFormatError('tokenizer.json', 'every added_tokens entry needs a string content and a numeric id');
    byId.set(t.id, t.content);
    added.set(t.content, { special: t.special === true });
  }
  let maxId = -1;
  for (const id of byId.keys()) maxId = Math.max(maxId, id);
  if (maxId >= vocabSize) throw new FileFormatError('tokenizer.json', `has token id ${maxId}, beyond the config's vocab_size ${vocabSize}`);
  const tokens: string[] = [];
  const types: number[] = [];
  for (let i = 0; i < vocabSize; i++) {
    let token = byId.get(i);
    if (token === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(TOKEN_TYPE.UNUSED);
      continue;
    }
    const addedToken = added.get(token);
    if (!addedToken) types.push(TOKEN_TYPE.NORMAL);
    else if (addedToken.special || doesTokenLookSpecial(token)) types.push(TOKEN_TYPE.CONTROL);
    else {
      token = token.replaceAll('\u2581', ' ');
      types.push(TOKEN_TYPE.USER_DEFINED);
    }
    tokens.push(token);
  }
  return { tokens, types };
}

/** 'llama-bpe' for Llama 3's pre-tokenizer (its Split regex, then ByteLevel without its own regex). */
function bpePreOf(json: Json): string {
  const pre = json.pre_tokenizer;
  const steps = isObject(pre) && pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) ? pre.pretokenizers : [];
  const [split, byteLevel] = steps as Json[];
  const pattern = isObject(split?.pattern) ? split.pattern.Regex : undefined;
  if (steps.length === 2 && split?.type === 'Split' && pattern === LLAMA3_PATTERN && byteLevel?.type === 'ByteLevel' && byteLevel.use_regex === false) return 'llama-bpe';
  throw new FileFormatError('tokenizer.json', "the pre-tokenizer is not Llama 3's (Split with its regex, then ByteLevel); pass tokenizerPre with llama.cpp's name for it");
}
