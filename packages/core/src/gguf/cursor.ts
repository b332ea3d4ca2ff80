// A forward cursor over the header region of a GGUF file, read from a ByteSource in bounded chunks that grow as the
// header goes on. Nothing is allocated for a length the file merely claims: every request is checked against the bytes
// the region still holds first.
import { FileFormatError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';

/** First read of the header region; each further read doubles it, up to MAX_CHUNK (an item larger is read whole). */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;

/** Names the field being read, for an error; called only when one is thrown. */
export type What = () => string;

export class HeaderCursor {
  readonly #source: ByteSource;
  /** Bytes are copied from the window; `#start` is the file offset of `#window[0]`. */
  #window = new Uint8Array(0);
  #view = new DataView(this.#window.buffer);
  #start = 0;
  #chunk = FIRST_CHUNK;
  /** Absolute offset of the next byte to read. */
  pos = 0;

  /**
   * @param limit the end of the region the header may occupy: min(file size, the header bound)
   * @param boundName how the header bound is named in errors when it, not the file's end, stops a read
   */
  constructor(source: ByteSource, readonly file: string, readonly fileSize: number, readonly limit: number, readonly boundName: string) {
    this.#source = source;
  }

  /** Bytes left between the cursor and the end of the header region. */
  get remaining(): number {
    return this.limit - this.pos;
  }

  /** The error for `n` bytes that the region does not hold at the cursor. */
  pastEnd(n: number | bigint, what: What): FileFormatError {
    const at = `${what()} needs ${n} bytes at offset ${this.pos}`;
    if (this.limit < this.fileSize) {
      return new FileFormatError(this.file, `${at}, past the ${this.limit}-byte bound on GGUF metadata and tensor infos (${this.boundName})`);
    }
    return new FileFormatError(this.file, `${at}, but the file ends at byte ${this.fileSize} (truncated)`);
  }

  /** Whether `n` bytes at the cursor are in the window already (then the sync getters may read them). */
  has(n: number): boolean {
    return this.pos + n <= this.#start + this.#window.byteLength;
  }

  /** Makes `n` bytes at the cursor readable by the sync getters, reading the next chunk if needed. */
  async need(n: number, what: What): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining) throw this.pastEnd(n, what);
    const windowEnd = this.#start + this.#window.byteLength;
    const keep = Math.max(0, windowEnd - this.pos);
    const size = Math.min(this.remaining, Math.max(n, this.#chunk));
    this.#chunk = Math.min(this.#chunk * 2, MAX_CHUNK);
    const next = new Uint8Array(size);
    if (keep > 0) next.set(this.#window.subarray(this.pos - this.#start));
    await this.#fill(this.pos + keep, next.subarray(keep));
    this.#window = next;
    this.#view = new DataView(next.buffer);
    this.#start = this.pos;
  }

  /** Copies `target.byteLength` bytes at the cursor into `target` (a large one is read straight into it). */
  async copyInto(target: Uint8Array, what: What): Promise<void> {
    const n = target.byteLength;
    if (n > this.remaining) throw this.pastEnd(n, what);
    const inWindow = Math.max(0, Math.min(n, this.#start + this.#window.byteLength - this.pos));
    const from = this.pos - this.#start;
    target.set(this.#window.subarray(from, from + inWindow));
    this.pos += inWindow;
    const rest = n - inWindow;
    if (rest === 0) return;
    if (rest >= this.#chunk) {
      await this.#fill(this.pos, target.subarray(inWindow));
      this.pos += rest;
      return;
    }
    await this.need(rest, what);
    target.set(this.#window.subarray(this.pos - this.#start, this.pos - this.#start + rest), inWindow);
    this.pos += rest;
  }

  async #fill(offset: number, target: Uint8Array): Promise<void> {
    if (target.byteLength === 0) return;
    if (this.#source.readInto) {
      await this.#source.readInto(offset, target);
      return;
    }
    const bytes = await this.#source.read(offset, target.byteLength);
    if (bytes.byteLength !== target.byteLength) {
      throw new FileFormatError(this.file, `read ${bytes.byteLength} bytes at offset ${offset}, expected ${target.byteLength}`);
    }
    target.set(bytes);
  }

  // Sync getters: the caller has made the bytes readable with need() (or checked has()).

  u8(): number {
    return this.#view.getUint8(this.pos++ - this.#start);
  }

  u32(): number {
    const v = this.#view.getUint32(this.pos - this.#start, true);
    this.pos += 4;
    return v;
  }

  /**
   * A uint64 as a number: exact up to 2^53, and above it a number that is still above Number.MAX_SAFE_INTEGER (so
   * comparisons against sizes stay right); `lastU64` keeps the exact value for messages.
   */
  u64(): number {
    const at = this.pos - this.#start;
    const lo = this.#view.getUint32(at, true);
    const hi = this.#view.getUint32(at + 4, true);
    this.pos += 8;
    // Above 2^53 the sum rounds, but never below 2^53, so it stays unsafe and too large for any check.
    const v = hi * 2 ** 32 + lo;
    this.lastU64 = hi > 0x1fffff ? (BigInt(hi) << 32n) | BigInt(lo) : v;
    return v;
  }

  /** The exact value of the last u64() (a bigint when it was above 2^53). */
  lastU64: number | bigint = 0;

  /** A view of the next `n` bytes (valid until the next need/copyInto). */
  bytes(n: number): Uint8Array {
    const at = this.pos - this.#start;
    this.pos += n;
    return this.#window.subarray(at, at + n);
  }

  /** The DataView and offset of the next byte, to decode `n` bytes in place; advances past them. */
  take(n: number): { view: DataView; at: number } {
    const at = this.pos - this.#start;
    this.pos += n;
    return { view: this.#view, at };
  }
}
