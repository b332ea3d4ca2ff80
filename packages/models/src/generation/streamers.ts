// Streamers for generate(): transformers' / transformers.js' BaseStreamer and TextStreamer.
import { ArgumentError, CriaError } from '@cria/core';
import type { DecodeOptions } from '@cria/tokenizer';
import { type DecodingTokenizer, IncrementalDecoder } from './incremental-decoder.js';
import { StopStringFilter, stopStringList } from './stop-strings.js';

/** Token ids as generate() hands them to put(): rows of ids ([B][n]); a single row may come as a flat list. */
export type StreamerIds = ArrayLike<number | bigint> | ArrayLike<ArrayLike<number | bigint>>;

/** What generate({ streamer }) accepts besides a function: put() gets the prompt ids, then each step's new ids; end() once. */
export interface Streamer {
  put(value: number[][]): void;
  end(): void;
}

/** transformers' BaseStreamer: extend it and implement put() and end(). */
export class BaseStreamer implements Streamer {
  put(_value: StreamerIds): void {
    throw new CriaError(`${this.constructor.name}.put() is not implemented`);
  }

  end(): void {
    throw new CriaError(`${this.constructor.name}.end() is not implemented`);
  }
}

export interface TextStreamerOptions extends DecodeOptions {
  /** Leave out the prompt (the first put()). Default false. */
  skip_prompt?: boolean;
  /** Called with each finished piece of text (default: written to stdout, a newline at the end). */
  callback_function?: ((text: string) => void) | null;
  /** Called with the ids of each put() after the prompt's (and with the prompt's unless skip_prompt). */
  token_callback_function?: ((tokens: number[]) => void) | null;
  /** More tokenizer.decode() options (skip_special_tokens defaults to true, as in transformers.js). */
  decode_kwargs?: DecodeOptions;
  /** The text ends before the first of these; text that may start one is held back until settled. */
  stop_strings?: string | string[] | null;
}

function writeToStdout(text: string): void {
  const stdout = (globalThis as { process?: { stdout?: { write(s: string): unknown } } }).process?.stdout;
  if (stdout) stdout.write(text);
  else console.log(text);
}

/**
 * Streams the text of generated ids as it becomes final: never half a character (a byte-fallback run or a
 * multi-byte piece waits for its end), never the start of a stop string before it is settled, and with work
 * per token that does not grow with the text (a few ids of context are decoded with the new ones).
 * Override on_finalized_text(text, stream_end) or pass callback_function to receive the pieces.
 */
export class TextStreamer extends BaseStreamer {
  readonly skip_prompt: boolean;
  readonly callback_function: (text: string) => void;
  readonly token_callback_function: ((tokens: number[]) => void) | null;
  readonly decode_kwargs: DecodeOptions;
  readonly stop_strings: readonly string[];
  #decoder: IncrementalDecoder;
  #stops: StopStringFilter;
  #nextIsPrompt = true;

  constructor(
    readonly tokenizer: DecodingTokenizer,
    { skip_prompt = false, callback_function = null, token_callback_function = null, decode_kwargs = {}, stop_strings = null, ...decodeOptions }: TextStreamerOptions = {},
  ) {
    super();
    if (typeof tokenizer?.decode !== 'function') throw new ArgumentError('TextStreamer: tokenizer must have a decode(ids, options) method');
    if (callback_function !== null && typeof callback_function !== 'function') throw new ArgumentError('TextStreamer: callback_function must be a function');
    if (token_callback_function !== null && typeof token_callback_function !== 'function') {
      throw new ArgumentError('TextStreamer: token_callback_function must be a function');
    }
    this.skip_prompt = skip_prompt;
    this.callback_function = callback_function ?? writeToStdout;
    this.token_callback_function = token_callback_function;
    this.decode_kwargs = { skip_special_tokens: true, ...decodeOptions, ...decode_kwargs };
    this.stop_strings = stopStringList(stop_strings);
    this.#decoder = new IncrementalDecoder(tokenizer, this.decode_kwargs);
    this.#stops = new StopStringFilter(this.stop_strings);
  }

  /** Whether a stop string ended the text (cria's addition). */
  get stopped(): boolean {
    return this.#stops.stopped;
  }

  /** Takes the next ids: the prompt first (skipped with skip_prompt), then the new tokens. One row only. */
  override put(value: StreamerIds): void {
    const ids = oneRow(value);
    if (this.#nextIsPrompt) {
      this.#nextIsPrompt = false;
      this.#decoder.flush();
      this.#stops = new StopStringFilter(this.stop_strings);
      if (this.skip_prompt) return;
    }
    this.token_callback_function?.(ids);
    const text = this.#stops.push(this.#decoder.push(ids));
    if (text !== '') this.on_finalized_text(text, false);
  }

  /** Ends the stream: what was held back comes out, then on_finalized_text(…, true). */
  override end(): void {
    const text = this.#stops.push(this.#decoder.flush()) + this.#stops.flush();
    this.#nextIsPrompt = true;
    this.on_finalized_text(text, true);
  }

  /** Receives each finished piece of text; stream_end is true once, for the last (maybe empty) one. */
  on_finalized_text(text: string, stream_end: boolean): void {
    if (text !== '') this.callback_function(text);
    if (stream_end && this.callback_function === writeToStdout) writeToStdout('\n');
  }
}

/** The one row of ids in `value` (a flat list or [[...ids]]), as numbers. */
function oneRow(value: StreamerIds): number[] {
  if (value === null || typeof value !== 'object' || typeof value.length !== 'number') {
    throw new ArgumentError(`TextStreamer.put: expected token ids (number[] or number[][]), got ${typeof value}`);
  }
  const first = value[0];
  let row: ArrayLike<number | bigint> = value as ArrayLike<number | bigint>;
  if (first !== undefined && typeof first === 'object') {
    if (value.length !== 1) throw new ArgumentError(`TextStreamer only supports a batch of one row; put() got ${value.length} rows`);
    row = first;
  }
  return Array.from(row, Number);
}

/** generate()'s `streamer` option: a function, or an object with put() and end(); anything else is refused. */
export function checkStreamer<F extends (...args: never[]) => unknown>(value: F | Streamer | undefined): F | Streamer | undefined {
  if (value === undefined || value === null || typeof value === 'function') return value ?? undefined;
  const s = value as Partial<Streamer>;
  if (typeof s === 'object' && typeof s.put === 'function' && typeof s.end === 'function') return value;
  const got = typeof value === 'object' ? `an object without ${typeof s.put === 'function' ? 'end()' : 'put()'}` : `${typeof value} ${String(value)}`;
  throw new ArgumentError(`generate: 'streamer' must be a function or an object with put(ids) and end() methods (e.g. a TextStreamer), got ${got}`);
}
