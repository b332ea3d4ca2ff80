import { ArgumentError, type ModelDirectory, toModelDirectory } from '@cria/core';
import { type AddedToken, AddedTokenMatcher } from './json/added-tokens.js';
import type { Processed } from './json/post-processors.js';
import { isWhiteSpace, toWellFormed } from './json/unicode.js';
import { readBytes, readTokenizerConfig } from './load-config.js';
import { withLlamaTokenizerConfig } from './llama-tokenizer-config.js';
import { parseSentencePieceModel, type SentencePieceModel } from './sentencepiece/model.js';
import { SentencePieceProcessor } from './sentencepiece/processor.js';
import { type AddedTokenSpec, toAddedToken } from './special-tokens.js';
import { PreTrainedTokenizer, type TokenizerInit } from './tokenizer.js';
import { nodeFs } from './node-fs.js';

const SPIECE_UNDERLINE = '\u2581';

export interface SlowInit extends TokenizerInit {
  /** The bytes of tokenizer.model (kept for save_vocabulary). */
  model_bytes: Uint8Array;
}

// Python's str.isspace also holds for U+001C..U+001F.
function isPySpace(ch: string): boolean {
  return isWhiteSpace(ch) || (ch >= '\x1c' && ch <= '\x1f');
}
function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s[end - 1]!)) end--;
  return s.slice(0, end);
}
function pyLstrip(s: string): string {
  let start = 0;
  while (start < s.length && isPySpace(s[start]!)) start++;
  return s.slice(start);
}

/**
 * transformers' slow LlamaTokenizer: SentencePiece `tokenizer.model` with the Python tokenizer's
 * added-token splitting and the `legacy` / `add_prefix_space` rules of LlamaTokenizer.
 */
export class LlamaTokenizer extends PreTrainedTokenizer {
  readonly sp: SentencePieceProcessor;
  readonly model: SentencePieceModel;
  readonly legacy: boolean;
  readonly add_prefix_space: boolean;
  private addBos: boolean;
  private addEos: boolean;
  private readonly modelBytes: Uint8Array;
  private added = new Map<number, AddedToken>();
  private addedByContent = new Map<string, AddedToken>();
  private matcher = new AddedTokenMatcher([]);
  private readonly unkTokenLength: number;

  constructor(init: SlowInit) {
    super(init, { padding_side: 'left' });
    const c = init.config;
    this.modelBytes = init.model_bytes;
    const file = init.name_or_path ? `${init.name_or_path}/tokenizer.model` : 'tokenizer.model';
    this.model = parseSentencePieceModel(init.model_bytes, file);
    this.legacy = c.legacy === undefined || c.legacy === null ? true : Boolean(c.legacy);
    this.add_prefix_space = c.add_prefix_space === undefined || c.add_prefix_space === null ? true : Boolean(c.add_prefix_space);
    this.addBos = c.add_bos_token === undefined ? true : Boolean(c.add_bos_token);
    this.addEos = c.add_eos_token === undefined ? false : Boolean(c.add_eos_token);
    // Non-legacy LlamaTokenizer loads the model with add_dummy_prefix turned off and adds the prefix itself.
    this.sp = new SentencePieceProcessor(this.model, { file, ...(this.legacy ? {} : { addDummyPrefix: false }) });
    this.unk_token ??= '<unk>';
    this.bos_token ??= '<s>';
    this.eos_token ??= '</s>';
    const decoder = c.added_tokens_decoder;
    if (decoder && typeof decoder === 'object') {
      for (const [id, spec] of Object.entries(decoder as Record<string, AddedTokenSpec>)) this.register(toAddedToken(spec, Number(id)));
    }
    const missing = this.all_special_tokens.filter((t) => !this.addedByContent.has(t));
    this.addTokensToBackend(missing.map((content) => ({ content, special: true, normalized: false })));
    this.unkTokenLength = this.unk_token === null ? 0 : this.sp.encode(this.unk_token).length;
  }

  static async from_pretrained(dir: string | ModelDirectory, options: Record<string, unknown> = {}): Promise<LlamaTokenizer> {
    const directory = toModelDirectory(dir);
    const config = { ...(await readTokenizerConfig(directory)), ...options };
    const bytes = await readBytes(directory, 'tokenizer.model');
    return new LlamaTokenizer({ config, model_bytes: bytes, name_or_path: directory.name });
  }

  get add_bos_token(): boolean {
    return this.addBos;
  }
  set add_bos_token(value: boolean) {
    this.addBos = value;
  }
  get add_eos_token(): boolean {
    return this.addEos;
  }
  set add_eos_token(value: boolean) {
    this.addEos = value;
  }

  private register(token: AddedToken): void {
    const existing = this.addedByContent.get(token.content);
    if (existing) this.added.delete(existing.id);
    this.added.set(token.id, token);
    this.addedByContent.set(token.content, token);
    this.matcher = new AddedTokenMatcher([...this.added.values()].map((t) => ({ ...t, lstrip: false, rstrip: false, single_word: false })));
  }

  protected addTokensToBackend(tokens: AddedTokenSpec[]): number {
    let added = 0;
    for (const spec of tokens) {
      if (spec.content === '') throw new ArgumentError('add_tokens: a token must not be empty');
      const existing = this.addedByContent.get(spec.content);
      if (existing) {
        this.register({ ...toAddedToken(spec, existing.id), special: spec.special ?? existing.special });
        continue;
      }
      const pieceId = this.sp.pieceToIdMap.get(spec.content);
      const id = pieceId ?? this.vocab_size;
      if (pieceId === undefined) added++;
      this.register(toAddedToken(spec, id));
    }
    return added;
  }

  get vocab_size(): number {
    let size = this.sp.size;
    for (const id of this.added.keys()) size = Math.max(size, id + 1);
    return size;
  }

  get_vocab(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let id = 0; id < this.sp.size; id++) out[this.sp.idToPiece(id)] = id;
    for (const t of this.added.values()) out[t.content] = t.id;
    return out;
  }

  get added_tokens_decoder(): Record<number, Required<AddedTokenSpec>> {
    const out: Record<number, Required<AddedTokenSpec>> = {};
    for (const t of [...this.added.values()].sort((a, b) => a.id - b.id)) {
      out[t.id] = { content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special };
    }
    return out;
  }

  protected tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.sp.pieceToIdMap.get(token);
  }

  protected idToToken(id: number): string | undefined {
    return this.added.get(id)?.content ?? (id < this.sp.size ? this.sp.idToPiece(id) : undefined);
  }

  /** PreTrainedTokenizer.tokenize (split on added tokens, their strip rules) with LlamaTokenizer's legacy rules; ids out. */
  protected encodeText(text: string): number[] {
    text = toWellFormed(text);
    if (!this.legacy && text.length > 0) {
      text = text.replaceAll(SPIECE_UNDERLINE, ' ');
      if (this.add_prefix_space) text = SPIECE_UNDERLINE + text;
    }
    const parts = this.matcher.split(text, 0).map((s) => ({ text: s.text, token: s.id === undefined ? undefined : this.added.get(s.id) }));
    for (let i = 0; i < parts.length; i++) {
      const tok = parts[i]!.token;
      if (!tok) continue;
      const left = parts[i - 1];
      const right = parts[i + 1];
      if (tok.rstrip && right && !right.token) right.text = pyLstrip(right.text);
      if (tok.lstrip && left && !left.token) left.text = pyRstrip(left.text);
      if (tok.single_word && left && !left.token && left.text !== '' && !left.text.endsWith(' ')) {
        left.text += tok.content;
        parts[i] = { text: '', token: undefined };
      } else if (tok.single_word && right && !right.token && right.text !== '' && !right.text.startsWith(' ')) {
        parts[i] = { text: tok.content + right.text, token: undefined };
        right.text = '';
      }
    }
    const ids: number[] = [];
    for (const part of parts) {
      if (part.token) {
        ids.push(part.token.id);
        continue;
      }
      if (part.text === '') continue;
      for (const id of this.spTokenize(part.text)) ids.push(id);
    }
    if (!this.legacy && ids.length > 1 && ids[0] === this.sp.pieceToIdMap.get(SPIECE_UNDERLINE)) {
      const second = this.idToToken(ids[1]!);
      if (second !== undefined && this.all_special_tokens.includes(second) && this.added.has(ids[1]!)) ids.shift();
    }
    return ids;
  }

  /** LlamaTokenizer._tokenize. */
  private spTokenize(text: string): number[] {
    if (this.legacy || !(text.startsWith(SPIECE_UNDERLINE) || text.startsWith(' '))) return this.sp.encode(text);
    const ids = this.sp.encode(this.unk_token + text);
    return ids.length >= this.unkTokenLength ? ids.slice(this.unkTokenLength) : ids;
  }

  protected buildSpecial(a: number[], b: number[] | null): Processed {
    const bos = this.addBos ? this.bos_token_id : null;
    const eos = this.addEos ? this.eos_token_id : null;
    if (this.addBos && bos === null) throw new ArgumentError('add_bos_token is true but the tokenizer has no bos_token');
    if (this.addEos && eos === null) throw new ArgumentError('add_eos_token is true but the tokenizer has no eos_token');
    const out: Processed = { ids: [], typeIds: [], specialMask: [] };
    const push = (ids: number[], typeId: number): void => {
      if (bos !== null) {
        out.ids.push(bos);
        out.typeIds.push(typeId);
        out.specialMask.push(1);
      }
      for (const id of ids) {
        out.ids.push(id);
        out.typeIds.push(typeId);
        out.specialMask.push(0);
      }
      if (eos !== null) {
        out.ids.push(eos);
        out.typeIds.push(typeId);
        out.specialMask.push(1);
      }
    };
    push(a, 0);
    if (b) push(b, 1);
    return out;
  }

  /** LlamaTokenizer.convert_tokens_to_string. */
  convert_tokens_to_string(tokens: string[]): string {
    tokens = [...tokens];
    if (tokens.length > 0 && tokens[0]!.startsWith(SPIECE_UNDERLINE) && this.add_prefix_space) tokens[0] = tokens[0]!.slice(1);
    const special = new Set(this.all_special_tokens);
    let current: string[] = [];
    let out = '';
    let prevIsSpecial = false;
    tokens.forEach((token, i) => {
      if (special.has(token)) {
        if (!prevIsSpecial && i !== 0 && this.legacy) out += ' ';
        out += this.sp.decodePieces(current) + token;
        prevIsSpecial = true;
        current = [];
      } else {
        if (prevIsSpecial && i === 1 && this.add_prefix_space && !token.startsWith(SPIECE_UNDERLINE)) out += ' ';
        current.push(token);
        prevIsSpecial = false;
      }
    });
    return out + this.sp.decodePieces(current);
  }

  /** PreTrainedTokenizer._decode. */
  protected decodeIds(ids: number[], skipSpecialTokens: boolean, spacesBetweenSpecialTokens: boolean): string {
    const specialIds = new Set(this.all_special_ids);
    const specialTokens = new Set(this.all_special_tokens);
    const tokens: string[] = [];
    for (const id of ids) {
      if (skipSpecialTokens && specialIds.has(id)) continue;
      const t = this.idToToken(id);
      if (t !== undefined) tokens.push(t);
    }
    const legacyAdded = new Set<string>();
    for (const t of this.added.values()) if (!specialTokens.has(t.content)) legacyAdded.add(t.content);
    for (const t of this.additional_special_tokens) if ((this.tokenToId(t) ?? 0) >= this.sp.size) legacyAdded.add(t);
    const subTexts: string[] = [];
    let current: string[] = [];
    for (const token of tokens) {
      if (legacyAdded.has(token)) {
        if (current.length > 0) {
          const s = this.convert_tokens_to_string(current);
          if (s.length > 0) subTexts.push(s);
          current = [];
        }
        subTexts.push(token);
      } else current.push(token);
    }
    if (current.length > 0) subTexts.push(this.convert_tokens_to_string(current));
    return subTexts.join(spacesBetweenSpecialTokens ? ' ' : '');
  }

  async save_vocabulary(directory: string, filename_prefix?: string): Promise<string[]> {
    const { fs, path } = await nodeFs();
    await fs.mkdir(directory, { recursive: true });
    const file = path.join(directory, `${filename_prefix ? filename_prefix + '-' : ''}tokenizer.model`);
    await fs.writeFile(file, this.modelBytes);
    return [file];
  }

  protected override tokenizerConfig(): Record<string, unknown> {
    return withLlamaTokenizerConfig(super.tokenizerConfig(), { addBos: this.addBos, addEos: this.addEos, legacy: this.legacy });
  }
}
