import { FileFormatError } from '@cria/core';
import { type AddedToken, AddedTokenMatcher } from './added-tokens.js';
import { buildDecoder, type Decoder } from './decoders.js';
import { Fields } from './fields.js';
import { BpeModel } from './models/bpe.js';
import type { Model } from './models/model.js';
import { buildNormalizer, type Normalizer } from './normalizers.js';
import { buildPostProcessor, plainConcat, type PostProcessor, type Processed } from './post-processors.js';
import { buildPreTokenizer, type Piece, type PreTokenizer } from './pre-tokenizers.js';
import type { JsonObject, TokenizerJson } from './types.js';
import { toWellFormed } from './unicode.js';

/**
 * The Hugging Face `tokenizers` pipeline read from a tokenizer.json: added tokens split out, then
 * normalizer, pre-tokenizer, model, post-processor; and the decoder for the way back.
 */
export class TokenizerPipeline {
  readonly model: Model;
  private readonly normalizer: Normalizer | null;
  private readonly preTokenizer: PreTokenizer | null;
  private postProcessor: PostProcessor | null;
  private readonly decoder: Decoder | null;
  private addedTokens: AddedToken[] = [];
  private addedById = new Map<number, AddedToken>();
  private addedByContent = new Map<string, AddedToken>();
  private rawMatcher!: AddedTokenMatcher;
  private normalizedMatcher!: AddedTokenMatcher;

  constructor(readonly json: TokenizerJson, readonly file = 'tokenizer.json') {
    const root = new Fields(file, 'tokenizer', json as unknown as JsonObject);
    if (typeof json !== 'object' || json === null) throw new FileFormatError(file, 'expected a JSON object');
    const model = root.sub(json.model, 'model');
    if (model.obj.type !== undefined && model.obj.type !== 'BPE') model.unknownType('model');
    this.model = BpeModel.fromJson(model);
    this.normalizer = json.normalizer ? buildNormalizer(root.sub(json.normalizer, 'normalizer')) : null;
    this.preTokenizer = json.pre_tokenizer ? buildPreTokenizer(root.sub(json.pre_tokenizer, 'pre_tokenizer')) : null;
    this.postProcessor = json.post_processor ? buildPostProcessor(root.sub(json.post_processor, 'post_processor')) : null;
    this.decoder = json.decoder ? buildDecoder(root.sub(json.decoder, 'decoder')) : null;
    const added = json.added_tokens ?? [];
    if (!Array.isArray(added)) throw new FileFormatError(file, 'added_tokens: expected an array');
    this.addTokens(
      added.map((t, i) => {
        const f = root.sub(t, `added_tokens[${i}]`);
        return {
          id: f.int('id'),
          content: f.string('content'),
          single_word: f.bool('single_word', false),
          lstrip: f.bool('lstrip', false),
          rstrip: f.bool('rstrip', false),
          normalized: f.bool('normalized', true),
          special: f.bool('special', false),
        };
      }),
    );
  }

  /** Registers added tokens (with their ids already chosen) and rebuilds the matchers. */
  addTokens(tokens: AddedToken[]): void {
    for (const t of tokens) {
      const existing = this.addedByContent.get(t.content);
      if (existing) {
        Object.assign(existing, { ...t, id: existing.id });
        continue;
      }
      this.addedTokens.push({ ...t });
      this.addedById.set(t.id, this.addedTokens[this.addedTokens.length - 1]!);
      this.addedByContent.set(t.content, this.addedTokens[this.addedTokens.length - 1]!);
    }
    this.rawMatcher = new AddedTokenMatcher(this.addedTokens.filter((t) => !t.normalized));
    const normalize = this.normalizer;
    this.normalizedMatcher = new AddedTokenMatcher(
      this.addedTokens.filter((t) => t.normalized),
      normalize ?? undefined,
    );
  }

  get added(): readonly AddedToken[] {
    return this.addedTokens;
  }

  addedToken(content: string): AddedToken | undefined {
    return this.addedByContent.get(content);
  }

  setPostProcessor(json: JsonObject | null): void {
    this.postProcessor = json ? buildPostProcessor(new Fields(this.file, 'post_processor', json)) : null;
    this.json.post_processor = json;
  }

  /** Size with added tokens (tokenizers' get_vocab_size(true)). */
  get vocabSize(): number {
    let max = this.model.vocabSize;
    for (const t of this.addedTokens) max = Math.max(max, t.id + 1);
    return max;
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken(id);
  }

  isSpecialId(id: number): boolean {
    return this.addedById.get(id)?.special === true;
  }

  /** Ids of one text, without post-processing (no special tokens added). */
  encodeText(text: string): number[] {
    text = toWellFormed(text);
    const out: number[] = [];
    for (const span of this.rawMatcher.split(text, 0)) {
      if (span.id !== undefined) {
        out.push(span.id);
        continue;
      }
      if (span.text.length === 0) continue;
      const normalized = this.normalizer ? this.normalizer(span.text) : span.text;
      for (const inner of this.normalizedMatcher.split(normalized, span.start)) {
        if (inner.id !== undefined) {
          out.push(inner.id);
          continue;
        }
        if (inner.text.length === 0) continue;
        const piece: Piece = { text: inner.text, atStart: inner.start === 0 };
        const words = this.preTokenizer ? this.preTokenizer([piece]) : [piece];
        for (const w of words) {
          if (w.text.length === 0) continue;
          this.model.tokenizeWord(w.text, out);
        }
      }
    }
    return out;
  }

  postProcess(a: number[], b: number[] | null, addSpecialTokens: boolean): Processed {
    return this.postProcessor ? this.postProcessor(a, b, addSpecialTokens) : plainConcat(a, b);
  }

  /** tokenizers' decode: ids to tokens (dropping special added tokens if asked), then the decoder. */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.idToToken(id);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.isSpecialId(id)) continue;
      tokens.push(token);
    }
    return this.decoder ? this.decoder(tokens).join('') : tokens.join(' ');
  }

  /** The tokenizer.json object with the current added tokens. */
  toJson(): TokenizerJson {
    return {
      ...this.json,
      added_tokens: [...this.addedTokens].sort((a, b) => a.id - b.id).map((t) => ({ ...t })),
    };
  }
}
