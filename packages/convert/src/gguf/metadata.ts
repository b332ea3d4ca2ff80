// GGUF metadata values: typed constructors and their little-endian encoding.
import { ArgumentError, GGUF_VALUE_TYPE, type GgufMetadata, type GgufScalar, type GgufScalarType, type GgufString, type GgufValue } from '@cria/core';

export type { GgufMetadata, GgufScalar, GgufString, GgufValue } from '@cria/core';
export { gguf } from '@cria/core';

const INTEGER_RANGE: Partial<Record<GgufScalarType, readonly [bigint, bigint]>> = {
  uint8: [0n, 0xffn],
  int8: [-0x80n, 0x7fn],
  uint16: [0n, 0xffffn],
  int16: [-0x8000n, 0x7fffn],
  uint32: [0n, 0xffffffffn],
  int32: [-0x80000000n, 0x7fffffffn],
  uint64: [0n, 0xffffffffffffffffn],
  int64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

const FIXED_SIZE: Partial<Record<GgufScalarType, number>> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, bool: 1, uint64: 8, int64: 8, float64: 8,
};

const utf8 = new TextEncoder();

function checkScalar(type: GgufScalarType, value: unknown, what: string): void {
  const range = INTEGER_RANGE[type];
  if (range) {
    const ok = (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'bigint' && (type === 'uint64' || type === 'int64'));
    if (!ok || BigInt(value as number | bigint) < range[0] || BigInt(value as number | bigint) > range[1]) {
      throw new ArgumentError(`${what} (${type}) must be an integer in [${range[0]}, ${range[1]}], got ${describe(value)}`);
    }
  } else if (type === 'float32' || type === 'float64') {
    if (typeof value !== 'number') throw new ArgumentError(`${what} (${type}) must be a number, got ${describe(value)}`);
  } else if (type === 'bool') {
    if (typeof value !== 'boolean') throw new ArgumentError(`${what} (bool) must be true or false, got ${describe(value)}`);
  } else if (type === 'string') {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new ArgumentError(`${what} (string) must be a string or UTF-8 bytes, got ${describe(value)}`);
  } else {
    throw new ArgumentError(`${what}: unknown GGUF value type ${describe(type)} (one of ${Object.keys(GGUF_VALUE_TYPE).join(', ')})`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : value.constructor?.name ?? 'an object';
}

/** Bytes of a GGUF string: u64 length, then the UTF-8 bytes. */
function stringBytes(value: GgufString): Uint8Array {
  return typeof value === 'string' ? utf8.encode(value) : value;
}

/** Appends little-endian values to a growing buffer. */
export class ByteWriter {
  #buffer = new Uint8Array(1 << 16);
  #view = new DataView(this.#buffer.buffer);
  length = 0;

  #reserve(n: number): void {
    if (this.length + n <= this.#buffer.byteLength) return;
    let size = this.#buffer.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  u32(v: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.length, v, true);
    this.length += 4;
  }

  u64(v: number | bigint): void {
    this.#reserve(8);
    this.#view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.byteLength);
    this.#buffer.set(b, this.length);
    this.length += b.byteLength;
  }

  string(value: GgufString): void {
    const b = stringBytes(value);
    this.u64(b.byteLength);
    this.bytes(b);
  }

  zeros(n: number): void {
    this.#reserve(n);
    this.#buffer.fill(0, this.length, this.length + n);
    this.length += n;
  }

  scalar(type: GgufScalarType, value: GgufScalar): void {
    if (type === 'string') return this.string(value as GgufString);
    const size = FIXED_SIZE[type]!;
    this.#reserve(size);
    const v = this.#view, at = this.length;
    switch (type) {
      case 'uint8': v.setUint8(at, value as number); break;
      case 'int8': v.setInt8(at, value as number); break;
      case 'uint16': v.setUint16(at, value as number, true); break;
      case 'int16': v.setInt16(at, value as number, true); break;
      case 'uint32': v.setUint32(at, value as number, true); break;
      case 'int32': v.setInt32(at, value as number, true); break;
      case 'float32': v.setFloat32(at, value as number, true); break;
      case 'float64': v.setFloat64(at, value as number, true); break;
      case 'bool': v.setUint8(at, value ? 1 : 0); break;
      case 'uint64': v.setBigUint64(at, BigInt(value as number | bigint), true); break;
      case 'int64': v.setBigInt64(at, BigInt(value as number | bigint), true); break;
    }
    this.length += size;
  }

  result(): Uint8Array {
    return this.#buffer.slice(0, this.length);
  }
}

/** Validates one metadata entry; `what` names it in errors. */
export function checkValue(key: string, value: GgufValue, what = `metadata '${key}'`): void {
  if (typeof value !== 'object' || value === null) throw new ArgumentError(`${what} must be a GGUF value ({ type, value } or { type: 'array', itemType, values }), got ${describe(value)}`);
  if (value.type === 'array') {
    const { itemType, values } = value;
    if ((itemType as string) === 'array') throw new ArgumentError(`${what}: arrays of arrays are not supported (llama.cpp does not read them)`);
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') throw new ArgumentError(`${what} (array) must have 'values', an array, got ${describe(values)}`);
    for (let i = 0; i < values.length; i++) checkScalar(itemType, values[i], `${what}[${i}]`);
    if (values.length === 0 && !(itemType in GGUF_VALUE_TYPE)) checkScalar(itemType, undefined, what);
    return;
  }
  checkScalar(value.type, value.value, what);
}

/** Writes one key/value pair as GGUF stores it: key string, u32 type, value. */
export function writeKeyValue(out: ByteWriter, key: string, value: GgufValue): void {
  out.string(key);
  out.u32(GGUF_VALUE_TYPE[value.type]);
  if (value.type !== 'array') {
    out.scalar(value.type, value.value);
    return;
  }
  out.u32(GGUF_VALUE_TYPE[value.itemType]);
  out.u64(value.values.length);
  for (let i = 0; i < value.values.length; i++) out.scalar(value.itemType, value.values[i]!);
}
