// One row's generated text inside generate(): the text so far for a function streamer, and whether a stop
// string occurs in it, decoding a bounded window of ids per token instead of the whole reply.
import { type DecodingTokenizer, IncrementalDecoder } from './incremental-decoder.js';

export class RowText {
  readonly #decoder: IncrementalDecoder;
  /** The final text so far (kept only when asked for). */
  #text = '';
  /** The last characters of the final text that a stop string could still start in. */
  #recent = '';
  readonly #keep: number;

  constructor(
    tokenizer: DecodingTokenizer,
    private readonly stops: readonly string[],
    private readonly keepText: boolean,
  ) {
    this.#decoder = new IncrementalDecoder(tokenizer, { skip_special_tokens: true });
    this.#keep = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /**
   * Adds the row's next token. Returns its text so far, an unfinished character included as U+FFFD, as
   * decode(all its tokens) gives it ('' unless keepText), and whether that text holds a stop string.
   */
  push(token: number): { text: string; stop: boolean } {
    const piece = this.#decoder.push([token]);
    const unread = this.#decoder.unread;
    if (this.keepText) this.#text += piece;
    const recent = this.#recent + piece;
    const stop = this.stops.some((s) => (recent + unread).includes(s));
    this.#recent = this.#keep > 0 ? recent.slice(-this.#keep) : '';
    return { text: this.keepText ? this.#text + unread : '', stop };
  }
}
