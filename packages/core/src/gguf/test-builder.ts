// Test helper (not exported from the package): builds GGUF bytes field by field, valid or not, independently of
// @cria/convert's writer, and records where each length, count and type field lies so tests can corrupt them.
import { GGML_BLOCK, GGML_TYPE, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPE, type GgmlTypeName } from './constants.js';
import type { GgufString, GgufValue } from './values.js';

/** Little-endian bytes in a growing buffer; `u64At` / `u32At` list where each field of that width was written. */
export class Bytes {
  #buffer = new Uint8Array(1024);
  #view = new DataView(this.#buffer.buffer);
  length = 0;
  readonly u64At: number[] = [];
  readonly u32At: number[] = [];

  #reserve(n: number): number {
    if (this.length + n > this.#buffer.byteLength) {
      let size = this.#buffer.byteLength * 2;
      while (size < this.length + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buffer.subarray(0, this.length));
      this.#buffer = grown;
      this.#view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  #at(n: number): number {
    return this.#reserve(n); // before this.#view / this.#buffer are read: reserving may replace them
  }

  u8(v: number): this { const at = this.#at(1); this.#view.setUint8(at, v); return this; }
  i8(v: number): this { const at = this.#at(1); this.#view.setInt8(at, v); return this; }
  u16(v: number): this { const at = this.#at(2); this.#view.setUint16(at, v, true); return this; }
  i16(v: number): this { const at = this.#at(2); this.#view.setInt16(at, v, true); return this; }
  u32(v: number): this { const at = this.#at(4); this.u32At.push(at); this.#view.setUint32(at, v, true); return this; }
  i32(v: number): this { const at = this.#at(4); this.#view.setInt32(at, v, true); return this; }
  f32(v: number): this { const at = this.#at(4); this.#view.setFloat32(at, v, true); return this; }
  f64(v: number): this { const at = this.#at(8); this.#view.setFloat64(at, v, true); return this; }
  u64(v: number | bigint): this { const at = this.#at(8); this.u64At.push(at); this.#view.setBigUint64(at, BigInt(v), true); return this; }
  i64(v: number | bigint): this { const at = this.#at(8); this.#view.setBigInt64(at, BigInt(v), true); return this; }
  raw(b: Uint8Array): this { const at = this.#at(b.byteLength); this.#buffer.set(b, at); return this; }
  zeros(n: number): this { const at = this.#at(n); this.#buffer.fill(0, at, at + n); return this; }
  string(s: GgufString): this {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    return this.u64(b.byteLength).raw(b);
  }

  scalar(type: Exclude<GgufValue['type'], 'array'>, v: unknown): this {
    switch (type) {
      case 'uint8': return this.u8(v as number);
      case 'int8': return this.i8(v as number);
      case 'uint16': return this.u16(v as number);
      case 'int16': return this.i16(v as number);
      case 'uint32': return this.u32(v as number);
      case 'int32': return this.i32(v as number);
      case 'float32': return this.f32(v as number);
      case 'float64': return this.f64(v as number);
      case 'uint64': return this.u64(v as bigint);
      case 'int64': return this.i64(v as bigint);
      case 'bool': return this.u8(v ? 1 : 0);
      case 'string': return this.string(v as GgufString);
    }
  }

  value(value: GgufValue): this {
    this.u32(GGUF_VALUE_TYPE[value.type]);
    if (value.type !== 'array') return this.scalar(value.type, value.value);
    this.u32(GGUF_VALUE_TYPE[value.itemType]).u64(value.values.length);
    for (let i = 0; i < value.values.length; i++) this.scalar(value.itemType, value.values[i]);
    return this;
  }

  result(): Uint8Array {
    return this.#buffer.slice(0, this.length);
  }
}

/** A metadata entry: a key and a value, or a key, a raw type id and the bytes of its value. */
export type KvSpec = [key: GgufString, value: GgufValue] | { key: GgufString; write: (b: Bytes) => void };

export interface TensorSpec {
  name: GgufString;
  /** ggml's ne[] (innermost first). */
  ne: (number | bigint)[];
  type: GgmlTypeName | number;
  /** Relative to the data section; default: after the previous tensor, padded to the alignment. */
  offset?: number | bigint;
  /** Default ne.length. */
  nDims?: number;
}

export interface GgufSpec {
  magic?: number;
  version?: number;
  /** Default: the number of entries given. */
  tensorCount?: number | bigint;
  kvCount?: number | bigint;
  metadata?: KvSpec[];
  tensors?: TensorSpec[];
  /** The padding of the data section (general.alignment must be given in metadata separately). */
  alignment?: number;
  /** Bytes of the data section; default: every tensor's data, each padded to the alignment. */
  dataBytes?: number;
}

export interface BuiltGguf {
  bytes: Uint8Array;
  dataOffset: number;
  /** Byte lengths of the tensors (known types only; 0 otherwise). */
  byteLengths: number[];
  /** Relative data offsets as written. */
  offsets: (number | bigint)[];
  u64At: number[];
  u32At: number[];
}

const pad = (x: number, n: number) => Math.ceil(x / n) * n;

/** Bytes of a known-type tensor with ggml dimensions `ne`. */
export function tensorBytes(type: GgmlTypeName, ne: readonly (number | bigint)[]): number {
  const { blockElements, blockBytes } = GGML_BLOCK[type];
  return (ne.reduce<number>((a, b) => a * Number(b), 1) / blockElements) * blockBytes;
}

/** A GGUF file from `spec`; tensor data bytes are filled with a counting pattern. */
export function ggufBytes(spec: GgufSpec = {}): BuiltGguf {
  const metadata = spec.metadata ?? [];
  const tensors = spec.tensors ?? [];
  const alignment = spec.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const b = new Bytes();
  b.u32(spec.magic ?? GGUF_MAGIC).u32(spec.version ?? 3).u64(spec.tensorCount ?? tensors.length).u64(spec.kvCount ?? metadata.length);
  for (const kv of metadata) {
    if (Array.isArray(kv)) b.string(kv[0]).value(kv[1]);
    else {
      b.string(kv.key);
      kv.write(b);
    }
  }
  const byteLengths: number[] = [];
  const offsets: (number | bigint)[] = [];
  let next = 0;
  for (const t of tensors) {
    const typeId = typeof t.type === 'number' ? t.type : GGML_TYPE[t.type];
    const byteLength = typeof t.type === 'string' ? tensorBytes(t.type, t.ne) : 0;
    const offset = t.offset ?? next;
    b.string(t.name).u32(t.nDims ?? t.ne.length);
    for (const n of t.ne) b.u64(n);
    b.u32(typeId).u64(offset);
    byteLengths.push(byteLength);
    offsets.push(offset);
    next = Math.max(next, pad(Number(offset) + byteLength, alignment));
  }
  const dataOffset = pad(b.length, alignment);
  b.zeros(dataOffset - b.length);
  // a hostile offset far past any real file: the data section is left empty
  const dataBytes = spec.dataBytes ?? (next > 1 << 28 ? 0 : next);
  const data = new Uint8Array(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 7 + 3) & 0xff;
  b.raw(data);
  return { bytes: b.result(), dataOffset, byteLengths, offsets, u64At: b.u64At, u32At: b.u32At };
}
