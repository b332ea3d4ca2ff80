// GGUF metadata values as cria holds them, for the reader (here) and the writer (@cria/convert).
import type { GgufScalarType } from './constants.js';

/** A string value: text (UTF-8 in the file) or bytes that are not valid UTF-8 (kept as they are). */
export type GgufString = string | Uint8Array;
export type GgufScalar = number | bigint | boolean | GgufString;

/**
 * One metadata value with the type the file gives it. 64-bit integers are bigint when read (numbers are accepted when
 * written); arrays of numbers are typed arrays when read.
 */
export type GgufValue =
  | { readonly type: GgufScalarType; readonly value: GgufScalar }
  | { readonly type: 'array'; readonly itemType: GgufScalarType; readonly values: ArrayLike<GgufScalar> };

/** Ordered metadata (GGUF keeps the order it is written in); setting an existing key keeps its place. */
export type GgufMetadata = Map<string, GgufValue>;

/** Constructors for each value type, so a caller states the type llama.cpp will read. */
export const gguf = {
  uint8: (value: number): GgufValue => ({ type: 'uint8', value }),
  int8: (value: number): GgufValue => ({ type: 'int8', value }),
  uint16: (value: number): GgufValue => ({ type: 'uint16', value }),
  int16: (value: number): GgufValue => ({ type: 'int16', value }),
  uint32: (value: number): GgufValue => ({ type: 'uint32', value }),
  int32: (value: number): GgufValue => ({ type: 'int32', value }),
  uint64: (value: number | bigint): GgufValue => ({ type: 'uint64', value }),
  int64: (value: number | bigint): GgufValue => ({ type: 'int64', value }),
  float32: (value: number): GgufValue => ({ type: 'float32', value }),
  float64: (value: number): GgufValue => ({ type: 'float64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: GgufString): GgufValue => ({ type: 'string', value }),
  array: (itemType: GgufScalarType, values: ArrayLike<GgufScalar>): GgufValue => ({ type: 'array', itemType, values }),
};
