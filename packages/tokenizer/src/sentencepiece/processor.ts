import { ArgumentError, FileFormatError } from '@cria/core';
import { BpeMerger } from '../json/bpe-merge.js';
import { PairTable } from '../json/pair-table.js';
import { toWellFormed } from '../json/unicode.js';
import { PieceType, type SentencePieceModel } from './model.js';
import { decodeBytesLikeSentencePiece } from './utf8.js';

const SPACE = '\u2581';
const encoder = new TextEncoder();

export interface SentencePieceOptions {
  /** Overrides normalizer_spec.add_dummy_prefix (transformers' non-legacy LlamaTokenizer turns it off). */
  addDummyPrefix?: boolean;
  file?: string;
}

/**
 * sentencepiece's SentencePieceProcessor for BPE models: identity normalization with the spec's
 * whitespace rules, user-defined symbols kept whole, BPE that merges the adjacent pair whose union is
 * the highest-scoring piece (leftmost on ties), byte fallback for unknown characters.
 */
export class SentencePieceProcessor {
  readonly pieceToIdMap = new Map<string, number>();
  private readonly mergeable = new Map<string, number>(); // NORMAL, USER_DEFINED, UNUSED pieces
  private readonly virtualChars = new Map<string, number>(); // chars inside pieces that are no piece themselves
  private readonly table: PairTable;
  private readonly merger: BpeMerger;
  private readonly userDefined: string[];
  private readonly byteIds: number[] = [];
  readonly unkId: number;
  readonly addDummyPrefix: boolean;
  private symbols = new Int32Array(256);
  private frozen = new Uint8Array(256);
  private readonly cutBeforeSpace: boolean;
  private readonly cache = new Map<string, number[]>();

  constructor(readonly model: SentencePieceModel, options: SentencePieceOptions = {}) {
    const file = options.file ?? 'tokenizer.model';
    if (model.trainer_spec.model_type !== 'BPE') {
      throw new FileFormatError(file, `trainer_spec.model_type is ${model.trainer_spec.model_type}; only BPE SentencePiece models (all Llama tokenizers) are supported`);
    }
    if (model.normalizer_spec.precompiled_charsmap.length > 0) {
      throw new FileFormatError(file, `normalizer_spec '${model.normalizer_spec.name}' has a precompiled_charsmap; only the identity normalizer (as Llama uses) is supported`);
    }
    if (model.trainer_spec.treat_whitespace_as_suffix) throw new FileFormatError(file, 'trainer_spec.treat_whitespace_as_suffix is not supported');
    this.addDummyPrefix = options.addDummyPrefix ?? model.normalizer_spec.add_dummy_prefix;
    let unk = -1;
    const user: string[] = [];
    model.pieces.forEach((p, id) => {
      if (this.pieceToIdMap.has(p.piece)) throw new FileFormatError(file, `pieces[${id}]: duplicate piece ${JSON.stringify(p.piece)}`);
      this.pieceToIdMap.set(p.piece, id);
      if (p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED) this.mergeable.set(p.piece, id);
      if (p.type === PieceType.USER_DEFINED) user.push(p.piece);
      if (p.type === PieceType.UNKNOWN) unk = id;
      if (p.type === PieceType.BYTE) {
        const m = /^<0x([0-9A-F]{2})>$/.exec(p.piece);
        if (m) this.byteIds[parseInt(m[1]!, 16)] = id;
      }
    });
    if (unk < 0) throw new FileFormatError(file, 'has no piece of type UNKNOWN');
    this.unkId = unk;
    this.userDefined = user.sort((a, b) => b.length - a.length);
    // Every way to build a mergeable piece from two symbols, ranked by the piece's score.
    const scores = [...new Set([...this.mergeable.values()].map((id) => model.pieces[id]!.score))].sort((a, b) => b - a);
    const rankOfScore = new Map(scores.map((s, i) => [s, i]));
    this.table = new PairTable(model.pieces.length * 4);
    let nextVirtual = model.pieces.length;
    const symbolId = (s: string): number | undefined => {
      const id = this.mergeable.get(s);
      if (id !== undefined) return id;
      const chars = [...s];
      if (chars.length !== 1) return undefined;
      let v = this.virtualChars.get(s);
      if (v === undefined) {
        v = nextVirtual++;
        this.virtualChars.set(s, v);
      }
      return v;
    };
    for (const [piece, id] of this.mergeable) {
      const chars = [...piece];
      if (chars.length < 2) continue;
      const rank = rankOfScore.get(model.pieces[id]!.score)!;
      let left = '';
      for (let k = 1; k < chars.length; k++) {
        left += chars[k - 1];
        const right = chars.slice(k).join('');
        const l = symbolId(left);
        const r = symbolId(right);
        if (l !== undefined && r !== undefined) this.table.set(l, r, rank, id);
      }
    }
    this.merger = new BpeMerger(this.table);
    this.cutBeforeSpace = this.userDefined.length === 0 && [...this.mergeable.keys()].every((piece) => !/[^\u2581]\u2581/.test(piece));
  }

  get size(): number {
    return this.model.pieces.length;
  }

  pieceToId(piece: string): number {
    return this.pieceToIdMap.get(piece) ?? this.unkId;
  }

  idToPiece(id: number): string {
    const p = this.model.pieces[id];
    if (!p) throw new ArgumentError(`id ${id} is out of range for a SentencePiece model of ${this.size} pieces`);
    return p.piece;
  }

  isControl(id: number): boolean {
    return this.model.pieces[id]?.type === PieceType.CONTROL;
  }

  /** sentencepiece's normalizer with the identity rule: whitespace handling, escaping, dummy prefix. */
  normalize(text: string): string {
    if (this.model.normalizer_spec.remove_extra_whitespaces) text = text.replace(/^ +| +$/g, '').replace(/ {2,}/g, ' ');
    if (text.length === 0) return '';
    if (this.model.normalizer_spec.escape_whitespaces) text = text.replaceAll(' ', SPACE);
    if (this.addDummyPrefix) text = (this.model.normalizer_spec.escape_whitespaces ? SPACE : ' ') + text;
    return text;
  }

  /** Encodes text to ids (sentencepiece's EncodeAsIds). */
  encode(text: string): number[] {
    return this.encodeNormalized(this.normalize(toWellFormed(text)));
  }

  encodeAsPieces(text: string): string[] {
    return this.encode(text).map((id) => this.idToPiece(id));
  }

  /**
   * BPE over the normalized text. As in the tokenizer.json BPE, the text is cut before each ▁ that
   * follows another character when no mergeable piece holds such a pair (so no merge can cross a cut),
   * and the parts are cached.
   */
  private encodeNormalized(normalized: string): number[] {
    if (!this.cutBeforeSpace || normalized.length < 2) return this.encodePart(normalized);
    const out: number[] = [];
    let start = 0;
    const space = SPACE.charCodeAt(0);
    let prev = normalized.charCodeAt(0);
    for (let i = 1; i <= normalized.length; i++) {
      const c = i < normalized.length ? normalized.charCodeAt(i) : -1;
      if (c === -1 || (c === space && prev !== space)) {
        const part = normalized.slice(start, i);
        let ids = this.cache.get(part);
        if (ids === undefined) {
          ids = this.encodePart(part);
          if (part.length < 256) {
            if (this.cache.size >= 100_000) this.cache.clear();
            this.cache.set(part, ids);
          }
        }
        for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
        start = i;
      }
      prev = c;
    }
    return out;
  }

  private encodePart(normalized: string): number[] {
    if (normalized.length === 0) return [];
    if (this.symbols.length < normalized.length + 1) {
      this.symbols = new Int32Array(normalized.length * 2 + 1);
      this.frozen = new Uint8Array(normalized.length * 2 + 1);
    }
    const symbols = this.symbols;
    const frozen = this.frozen;
    const texts: string[] = [];
    let n = 0;
    let i = 0;
    while (i < normalized.length) {
      let text: string | undefined;
      for (const u of this.userDefined) {
        if (normalized.startsWith(u, i)) {
          text = u;
          break;
        }
      }
      if (text !== undefined) {
        frozen[n] = 1;
        symbols[n] = this.mergeable.get(text)!;
      } else {
        const cp = normalized.codePointAt(i)!;
        text = cp > 0xffff ? normalized.slice(i, i + 2) : normalized[i]!;
        frozen[n] = 0;
        symbols[n] = this.mergeable.get(text) ?? this.virtualChars.get(text) ?? -1;
      }
      texts.push(text);
      n++;
      i += text.length;
    }
    const merged = this.merger.merge(symbols, n, this.userDefined.length > 0 ? frozen : undefined);
    const positions = this.merger.positions;
    const out: number[] = [];
    let prevUnk = false;
    for (let k = 0; k < merged.length; k++) {
      const id = merged[k]!;
      if (id >= 0 && id < this.model.pieces.length) {
        out.push(id);
        prevUnk = false;
        continue;
      }
      const text = texts[positions[k]!]!;
      if (this.model.trainer_spec.byte_fallback) {
        for (const b of encoder.encode(text)) out.push(this.byteIds[b] ?? this.unkId);
        prevUnk = false;
      } else {
        if (!prevUnk) out.push(this.unkId);
        prevUnk = true;
      }
    }
    return out;
  }

  /**
   * sentencepiece's DecodePieces: a piece that is not in the vocabulary decodes to itself (as
   * transformers relies on when it strips the first piece's ▁ before decoding).
   */
  decodePieces(pieces: readonly string[]): string {
    const ids: number[] = [];
    const literal = new Map<number, string>();
    for (const piece of pieces) {
      const id = this.pieceToIdMap.get(piece);
      if (id === undefined || (id === this.unkId && piece !== this.model.pieces[this.unkId]!.piece)) {
        literal.set(ids.length, piece);
        ids.push(this.unkId);
      } else ids.push(id);
    }
    return this.decode(ids, literal);
  }

  /**
   * sentencepiece's Decode: control pieces vanish, byte pieces join into UTF-8 (an invalid byte is
   * U+FFFD), ▁ becomes a space, and the leading ▁ of the text (the dummy prefix) is consumed once; with
   * remove_extra_whitespaces every leading ▁ is. `literal` gives the text of pieces that are not in the
   * vocabulary (they decode to themselves).
   */
  decode(ids: readonly number[], literal?: ReadonlyMap<number, string>): string {
    let text = '';
    let bytes: number[] = [];
    let isBosWs = true;
    let bosWsSeen = false;
    const spec = this.model.normalizer_spec;
    const consumeLeading = this.addDummyPrefix || spec.remove_extra_whitespaces;
    const unkPiece = this.model.pieces[this.unkId]!.piece;
    const flush = (): void => {
      if (bytes.length === 0) return;
      text += decodeBytesLikeSentencePiece(bytes);
      bytes = [];
    };
    for (let index = 0; index < ids.length; index++) {
      const id = ids[index]!;
      const p = this.model.pieces[id];
      if (!p) throw new ArgumentError(`decode: id ${id} is out of range for a SentencePiece model of ${this.size} pieces`);
      const piece = literal?.get(index) ?? p.piece;
      if (p.type === PieceType.BYTE && literal?.get(index) === undefined) {
        bytes.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      flush();
      if (bosWsSeen || text !== '') isBosWs = false;
      if (p.type === PieceType.CONTROL) {
        bosWsSeen = false;
        continue;
      }
      if (p.type === PieceType.UNKNOWN) {
        text += piece === unkPiece ? this.model.trainer_spec.unk_surface : piece;
        bosWsSeen = false;
        continue;
      }
      let body = piece;
      let hasBosWs = false;
      if (isBosWs && consumeLeading && body.startsWith(SPACE)) {
        body = body.slice(SPACE.length);
        hasBosWs = !spec.remove_extra_whitespaces;
      }
      text += body.replaceAll(SPACE, ' ');
      bosWsSeen = hasBosWs;
    }
    flush();
    return text;
  }

}
