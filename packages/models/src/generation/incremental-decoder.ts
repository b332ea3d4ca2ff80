// The text of a growing list of token ids, decoding only a bounded window of recent ids per step (as
// text-generation-inference and vLLM detokenize): a few already-emitted ids as context (their leading
// space, their byte run), then the ids not emitted yet. Text is emitted only when it ends on a whole
// character, so an emoji split across byte-level pieces or a <0xE2><0x82><0xAC> run comes out whole.
import type { DecodeOptions } from '@cria/tokenizer';

/** What streaming text needs of a tokenizer: decode, and (optionally) token names to tell <0xNN> byte pieces. */
export interface DecodingTokenizer {
  decode(ids: number[], options?: DecodeOptions): string;
  convert_ids_to_tokens?(id: number): string;
}

/** Emitted ids kept before the unread ones: the context their first piece is decoded in. */
const CONTEXT_IDS = 4;
/** Ids of a byte-fallback run held before its text (whole characters so far) is emitted. */
const MAX_UNREAD = 16;
/** Ids held for an unfinished character before their text is emitted anyway (valid UTF-8 needs at most 4). */
const MAX_UNFINISHED = 64;
/** The most emitted ids kept while looking for context with visible text (a run of spaces or skipped tokens). */
const MAX_CONTEXT = 32;

const REPLACEMENT = '\uFFFD';
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const VISIBLE = /\S/;

export class IncrementalDecoder {
  /** The window: context ids (already emitted), then the unread ids. */
  #ids: number[] = [];
  #readAt = 0;
  /** decode(context ids): the part of each window's text that was emitted before. */
  #contextText = '';
  #unreadText = '';
  readonly #bytes = new Map<number, number>();

  constructor(
    private readonly tokenizer: DecodingTokenizer,
    private readonly options: DecodeOptions = {},
  ) {}

  /** The text of the ids not emitted yet (it may end in U+FFFD: an unfinished character). */
  get unread(): string {
    return this.#unreadText;
  }

  /** Adds ids; returns the text that became final (maybe ''). */
  push(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    for (const id of ids) this.#ids.push(id);
    const text = this.tokenizer.decode(this.#ids, this.options);
    this.#unreadText = text.slice(this.#contextText.length);
    const unread = this.#ids.length - this.#readAt;
    // A byte-fallback run may still turn invalid, which makes the whole run U+FFFD: wait for its end too.
    const inByteRun = this.#byteOf(this.#ids[this.#ids.length - 1]!) >= 0;
    const wait = text.endsWith(REPLACEMENT) ? unread < MAX_UNFINISHED : inByteRun && unread < MAX_UNREAD;
    return wait ? '' : this.#emit(text);
  }

  /** The end of the ids: returns the text still unread and starts over. */
  flush(): string {
    const rest = this.#unreadText;
    this.#ids = [];
    this.#readAt = 0;
    this.#contextText = '';
    this.#unreadText = '';
    return rest;
  }

  /** Emits the unread text of `text` (the window's) and keeps the last few ids as the next context. */
  #emit(text: string): string {
    const piece = this.#unreadText;
    this.#unreadText = '';
    let context = text;
    const n = this.#ids.length;
    let start = n - CONTEXT_IDS;
    // Not from inside a byte-fallback character (at most 3 continuation bytes): that run would decode as invalid.
    for (let k = 0; k < 3 && start > 0 && isContinuationByte(this.#byteOf(this.#ids[start]!)); k++) start--;
    if (start > 0) {
      // The context must show visible text, or the decoder would strip the next piece's leading space
      // as the start of the text (Metaspace, SentencePiece's dummy prefix); until it does, keep more.
      const last = this.tokenizer.decode(this.#ids.slice(start), this.options);
      if (VISIBLE.test(last) || n > MAX_CONTEXT) {
        this.#ids = this.#ids.slice(start);
        context = last;
      }
    }
    this.#readAt = this.#ids.length;
    this.#contextText = context;
    return piece;
  }

  /** The byte of a SentencePiece byte-fallback piece (<0xE2>), or -1 for another token. */
  #byteOf(id: number): number {
    if (!this.tokenizer.convert_ids_to_tokens) return -1;
    let byte = this.#bytes.get(id);
    if (byte === undefined) {
      const m = BYTE_PIECE.exec(this.tokenizer.convert_ids_to_tokens(id));
      byte = m ? parseInt(m[1]!, 16) : -1;
      this.#bytes.set(id, byte);
    }
    return byte;
  }
}

function isContinuationByte(byte: number): boolean {
  return byte >= 0x80 && byte < 0xc0;
}
