// Stop strings over streamed text: the text ends before the first stop string, and a trailing piece that
// may be the start of one is held back until the next text settles it. Work per piece is bounded by the
// length of the stop strings, not of the text.
import { ArgumentError } from '@cria/core';

/** Reads a stop_strings option: a string, a list of them, or null / undefined for none. */
export function stopStringList(value: unknown, name = 'stop_strings'): string[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s === '') {
      throw new ArgumentError(`'${name}' must be a non-empty string or a list of them; ${Array.isArray(value) ? `${name}[${i}]` : name} is ${JSON.stringify(s)}`);
    }
  });
  return list as string[];
}

export class StopStringFilter {
  #held = '';
  #stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** Whether a stop string occurred (the text ended before it). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Takes the next piece of text; returns what can be shown now (maybe ''). */
  push(piece: string): string {
    if (this.#stopped) return '';
    if (this.stops.length === 0) return piece;
    // A stop string cannot start in text already shown: its start would have been held back.
    const text = this.#held + piece;
    let first = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first >= 0) {
      this.#stopped = true;
      this.#held = '';
      return text.slice(0, first);
    }
    const keep = this.#startOfStopLength(text);
    this.#held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** The end of the text: returns what was held back (it did not become a stop string). */
  flush(): string {
    const rest = this.#held;
    this.#held = '';
    return rest;
  }

  /** The length of the longest suffix of `text` that is a proper prefix of a stop string. */
  #startOfStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
