// Typed access to GGUF metadata for consumers (the model loader, the tokenizer): a missing key or a value of the wrong
// type is a FileFormatError naming the file and the key.
import { FileFormatError } from '../errors.js';
import type { GgufScalarType } from './constants.js';
import { describeValue, quote } from './describe.js';
import type { GgufFile } from './reader.js';
import type { GgufScalar, GgufString, GgufValue } from './values.js';

/** What the getters need of a GgufFile. */
export type GgufMetadataSource = Pick<GgufFile, 'file' | 'metadata'>;

/** The values of an array of each item type, as readGguf returns them. */
export interface GgufArrayValues {
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  uint64: BigUint64Array;
  int64: BigInt64Array;
  bool: boolean[];
  string: GgufString[];
}

const NUMBER_TYPES: ReadonlySet<string> = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64', 'float32', 'float64']);

function wrongType(file: GgufMetadataSource, key: string, expected: string, value: GgufValue): FileFormatError {
  return new FileFormatError(file.file, `metadata ${quote(key)} must be ${expected}, got ${describeValue(value)}`);
}

/** The value of `key`, or a FileFormatError saying it is missing. */
export function ggufValue(file: GgufMetadataSource, key: string): GgufValue {
  const value = file.metadata.get(key);
  if (value === undefined) throw new FileFormatError(file.file, `metadata ${quote(key)} is missing`);
  return value;
}

/** A string value (valid UTF-8), or undefined when `key` is absent. */
export function ggufOptionalString(file: GgufMetadataSource, key: string): string | undefined {
  const value = file.metadata.get(key);
  if (value === undefined) return undefined;
  if (value.type !== 'string') throw wrongType(file, key, 'a string', value);
  if (typeof value.value !== 'string') throw new FileFormatError(file.file, `metadata ${quote(key)} is not valid UTF-8`);
  return value.value;
}

/** A string value (valid UTF-8). */
export function ggufString(file: GgufMetadataSource, key: string): string {
  ggufValue(file, key);
  return ggufOptionalString(file, key)!;
}

/**
 * A number of any integer or float type, or undefined when `key` is absent; a uint64/int64 must fit in a safe integer.
 */
export function ggufOptionalNumber(file: GgufMetadataSource, key: string): number | undefined {
  const value = file.metadata.get(key);
  if (value === undefined) return undefined;
  if (value.type === 'array' || !NUMBER_TYPES.has(value.type)) throw wrongType(file, key, 'a number (an integer or float type)', value);
  const v = value.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new FileFormatError(file.file, `metadata ${quote(key)} (${value.type} ${v}) is too large for a JavaScript number (past 2^53 - 1)`);
    return n;
  }
  throw wrongType(file, key, 'a number (an integer or float type)', value);
}

/** A number of any integer or float type (see ggufOptionalNumber). */
export function ggufNumber(file: GgufMetadataSource, key: string): number {
  ggufValue(file, key);
  return ggufOptionalNumber(file, key)!;
}

/** A bool value, or undefined when `key` is absent. */
export function ggufOptionalBool(file: GgufMetadataSource, key: string): boolean | undefined {
  const value = file.metadata.get(key);
  if (value === undefined) return undefined;
  if (value.type !== 'bool' || typeof value.value !== 'boolean') throw wrongType(file, key, 'a bool', value);
  return value.value;
}

/** A bool value. */
export function ggufBool(file: GgufMetadataSource, key: string): boolean {
  ggufValue(file, key);
  return ggufOptionalBool(file, key)!;
}

/**
 * An array's values, or undefined when `key` is absent. With `itemType`, the array must hold that type and the values
 * come typed (a Float32Array for 'float32', GgufString[] for 'string', ...).
 */
export function ggufOptionalArray<T extends GgufScalarType>(file: GgufMetadataSource, key: string, itemType: T): GgufArrayValues[T] | undefined;
export function ggufOptionalArray(file: GgufMetadataSource, key: string): ArrayLike<GgufScalar> | undefined;
export function ggufOptionalArray(file: GgufMetadataSource, key: string, itemType?: GgufScalarType): ArrayLike<GgufScalar> | undefined {
  const value = file.metadata.get(key);
  if (value === undefined) return undefined;
  if (value.type !== 'array') throw wrongType(file, key, itemType ? `an array of ${itemType}` : 'an array', value);
  if (itemType === undefined) return value.values;
  if (value.itemType !== itemType) throw wrongType(file, key, `an array of ${itemType}`, value);
  return typed(itemType, value.values);
}

const TYPED: Readonly<Record<Exclude<GgufScalarType, 'bool' | 'string'>, { from(values: ArrayLike<never>): ArrayLike<GgufScalar> }>> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array, uint64: BigUint64Array, int64: BigInt64Array,
};

/** `values` in the class readGguf gives them (metadata built by hand may hold plain arrays). */
function typed(itemType: GgufScalarType, values: ArrayLike<GgufScalar>): ArrayLike<GgufScalar> {
  if (itemType === 'bool' || itemType === 'string') return Array.isArray(values) ? values : Array.from(values);
  const Ctor = TYPED[itemType];
  if (values instanceof (Ctor as unknown as new () => object)) return values;
  const big = itemType === 'uint64' || itemType === 'int64';
  return Ctor.from(Array.from(values, (v) => (big ? BigInt(v as number | bigint) : Number(v))) as never[]);
}

/** An array's values (see ggufOptionalArray). */
export function ggufArray<T extends GgufScalarType>(file: GgufMetadataSource, key: string, itemType: T): GgufArrayValues[T];
export function ggufArray(file: GgufMetadataSource, key: string): ArrayLike<GgufScalar>;
export function ggufArray(file: GgufMetadataSource, key: string, itemType?: GgufScalarType): ArrayLike<GgufScalar> {
  ggufValue(file, key);
  return (itemType === undefined ? ggufOptionalArray(file, key) : ggufOptionalArray(file, key, itemType))!;
}
