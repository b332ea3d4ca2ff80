// Turns the growing text of a reply into the pieces that are safe to show: a trailing partial UTF-8
// character and a trailing piece that may be the start of a stop string are held back, and the text
// ends before the first stop string.

export class StreamedText {
  private emitted = '';
  private stoppedAt: string | undefined;

  constructor(private readonly stops: readonly string[] = []) {
    stops.forEach((s, i) => {
      if (typeof s !== 'string' || s === '') throw new TypeError(`stop[${i}] must be a non-empty string`);
    });
  }

  /** Whether a stop string has occurred (the text ends before it). */
  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Takes the whole reply text so far; returns the new piece that can be shown now (maybe ''). */
  push(text: string): string {
    if (this.stopped) return '';
    const cut = this.cutAtStop(text);
    if (cut !== undefined) return this.advanceTo(cut);
    const whole = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
    return this.advanceTo(whole.slice(0, whole.length - this.heldBackLength(whole)));
  }

  /** Takes the final reply text; returns the last piece to show and the reply as it should be reported. */
  finish(text: string): { delta: string; text: string } {
    const final = this.cutAtStop(text) ?? this.stoppedAt ?? text;
    return { delta: this.advanceTo(final), text: final };
  }

  /** The text before the first stop string, or undefined when none occurs. */
  private cutAtStop(text: string): string | undefined {
    let first = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first < 0) return undefined;
    this.stoppedAt = text.slice(0, first);
    return this.stoppedAt;
  }

  /** The length of the longest suffix of `text` that is a proper prefix of a stop string. */
  private heldBackLength(text: string): number {
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

  /** Moves the shown text forward to `target` when it extends what was shown (a decode that rewrote shown text waits). */
  private advanceTo(target: string): string {
    if (target.length <= this.emitted.length || !target.startsWith(this.emitted)) return '';
    const delta = target.slice(this.emitted.length);
    this.emitted = target;
    return delta;
  }
}
