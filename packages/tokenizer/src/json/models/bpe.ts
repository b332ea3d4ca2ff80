import { FileFormatError } from '@cria/core';
import { BpeMerger } from '../bpe-merge.js';
import type { Fields } from '../fields.js';
import { PairTable } from '../pair-table.js';
import type { Model } from './model.js';

const encoder = new TextEncoder();
const CACHE_LIMIT = 100_000;
const BYTE_PIECES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

export interface BpeOptions {
  vocab: Map<string, number>;
  /** Merges in priority order: "left right" strings or [left, right] pairs (validated here). */
  merges: readonly unknown[];
  unkToken: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
  ignoreMerges: boolean;
  continuingSubwordPrefix: string | null;
  endOfWordSuffix: string | null;
  file?: string;
}

/** The `BPE` model of tokenizer.json: a word becomes characters, then merges apply by rank. */
export class BpeModel implements Model {
  readonly vocab: Map<string, number>;
  readonly idToTokenTable: string[];
  readonly table: PairTable;
  private readonly merger: BpeMerger;
  private readonly cache = new Map<string, number[]>();
  private readonly unkId: number | undefined;
  private readonly byteIds: (number | undefined)[];
  private symbols = new Int32Array(256);
  /** Ids of the one-character tokens of the Basic Multilingual Plane, by char code (-1: none). */
  private readonly charIds: Int32Array;
  /** The char code a long word may be cut before (see tokenizeWord), or -1. */
  private readonly splitChar: number;

  constructor(readonly options: BpeOptions) {
    const file = options.file ?? 'tokenizer.json';
    this.vocab = options.vocab;
    this.idToTokenTable = [];
    for (const [token, id] of this.vocab) this.idToTokenTable[id] = token;
    this.table = new PairTable(options.merges.length);
    const prefixLength = options.continuingSubwordPrefix?.length ?? 0;
    const merges = options.merges;
    const vocab = this.vocab;
    for (let rank = 0; rank < merges.length; rank++) {
      const m = merges[rank];
      let a: string;
      let b: string;
      if (typeof m === 'string') {
        const space = m.indexOf(' ', 1);
        if (space < 0) throw new FileFormatError(file, `model.merges[${rank}]: expected "left right", got ${JSON.stringify(m)}`);
        a = m.slice(0, space);
        b = m.slice(space + 1);
      } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
        a = m[0];
        b = m[1];
      } else throw new FileFormatError(file, `model.merges[${rank}]: expected "left right" or ["left", "right"], got ${JSON.stringify(m)}`);
      const left = vocab.get(a);
      const right = vocab.get(b);
      if (left === undefined || right === undefined) {
        throw new FileFormatError(file, `model.merges[${rank}]: "${a} ${b}" names a token missing from model.vocab`);
      }
      const mergedToken = prefixLength === 0 ? a + b : a + b.slice(prefixLength);
      const merged = vocab.get(mergedToken);
      if (merged === undefined) throw new FileFormatError(file, `model.merges[${rank}]: the merge result "${mergedToken}" is missing from model.vocab`);
      this.table.set(left, right, rank, merged);
    }
    this.merger = new BpeMerger(this.table);
    if (options.unkToken !== null) {
      this.unkId = this.vocab.get(options.unkToken);
      if (this.unkId === undefined) throw new FileFormatError(file, `model.unk_token "${options.unkToken}" is not in model.vocab`);
    }
    this.byteIds = BYTE_PIECES.map((p) => this.vocab.get(p));
    this.splitChar = safeSplitChar(this.vocab, options);
    this.charIds = new Int32Array(65536).fill(-1);
    for (const [token, id] of this.vocab) if (token.length === 1) this.charIds[token.charCodeAt(0)] = id;
  }

  static fromJson(f: Fields): BpeModel {
    const vocabObj = f.object('vocab');
    const vocab = new Map<string, number>();
    for (const token in vocabObj) {
      const id = vocabObj[token];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        throw new FileFormatError(f.file, `model.vocab[${JSON.stringify(token)}]: expected a non-negative integer id, got ${JSON.stringify(id)}`);
      }
      vocab.set(token, id);
    }
    const merges = f.array('merges');
    const dropout = f.obj.dropout;
    if (dropout !== undefined && dropout !== null && dropout !== 0) {
      throw new FileFormatError(f.file, `model.dropout: BPE dropout (${String(dropout)}) is random and not supported for inference`);
    }
    return new BpeModel({
      vocab,
      merges,
      unkToken: f.optString('unk_token'),
      fuseUnk: f.bool('fuse_unk', false),
      byteFallback: f.bool('byte_fallback', false),
      ignoreMerges: f.bool('ignore_merges', false),
      continuingSubwordPrefix: f.optString('continuing_subword_prefix'),
      endOfWordSuffix: f.optString('end_of_word_suffix'),
      file: f.file,
    });
  }

  get vocabSize(): number {
    return this.idToTokenTable.length;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }

  /**
   * Appends the ids of one pre-tokenized word. A long word (Llama 2 has no pre-tokenizer: the whole
   * text is one word) is cut before each "▁" that follows another character when no token of the
   * vocabulary contains such a pair: no merge can then cross the cut, so BPE on the parts gives the
   * same tokens as on the whole, and the parts are cached like words.
   */
  tokenizeWord(word: string, out: number[]): void {
    const split = this.splitChar;
    if (split < 0 || word.length < 2) {
      const ids = this.tokenizeCached(word);
      for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
      return;
    }
    let start = 0;
    let prev = word.charCodeAt(0);
    for (let i = 1; i <= word.length; i++) {
      const c = i < word.length ? word.charCodeAt(i) : -1;
      if (c === -1 || (c === split && prev !== split)) {
        const ids = this.tokenizeCached(word.slice(start, i));
        for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
        start = i;
      }
      prev = c;
    }
  }

  /** Token ids of one word, cached. */
  private tokenizeCached(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const ids = this.tokenizeUncached(word);
    if (word.length < 256) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }

  private tokenizeUncached(word: string): number[] {
    const o = this.options;
    if (o.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    if (this.symbols.length < word.length * 4 + 4) this.symbols = new Int32Array(word.length * 4 + 4);
    const symbols = this.symbols;
    let n = 0;
    let lastWasUnk = false;
    let i = 0;
    const plain = o.continuingSubwordPrefix === null && o.endOfWordSuffix === null;
    const charIds = this.charIds;
    while (i < word.length) {
      if (plain) {
        const fast = charIds[word.charCodeAt(i)]!;
        if (fast >= 0) {
          symbols[n++] = fast;
          lastWasUnk = false;
          i++;
          continue;
        }
      }
      const cp = word.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      let piece = len === 1 ? word[i]! : word.slice(i, i + 2);
      if (!plain) {
        if (i > 0 && o.continuingSubwordPrefix !== null) piece = o.continuingSubwordPrefix + piece;
        if (i + len === word.length && o.endOfWordSuffix !== null) piece += o.endOfWordSuffix;
      }
      i += len;
      const id = this.vocab.get(piece);
      if (id !== undefined) {
        symbols[n++] = id;
        lastWasUnk = false;
        continue;
      }
      if (o.byteFallback) {
        const bytes = encoder.encode(len === 1 ? word[i - 1]! : word.slice(i - 2, i));
        let all = true;
        for (const b of bytes) if (this.byteIds[b] === undefined) all = false;
        if (all) {
          for (const b of bytes) symbols[n++] = this.byteIds[b]!;
          lastWasUnk = false;
          continue;
        }
      }
      if (this.unkId !== undefined) {
        if (!(o.fuseUnk && lastWasUnk)) symbols[n++] = this.unkId;
        lastWasUnk = true;
      }
    }
    return this.merger.merge(symbols, n);
  }
}

/** '▁' when it is a token and no token holds it right after another character; otherwise -1. */
function safeSplitChar(vocab: Map<string, number>, o: BpeOptions): number {
  const SPACE = '\u2581';
  if (o.ignoreMerges || o.continuingSubwordPrefix !== null || o.endOfWordSuffix !== null || !vocab.has(SPACE)) return -1;
  for (const token of vocab.keys()) {
    for (let i = token.indexOf(SPACE, 1); i > 0; i = token.indexOf(SPACE, i + 1)) {
      if (token[i - 1] !== SPACE) return -1;
    }
  }
  return SPACE.charCodeAt(0);
}
