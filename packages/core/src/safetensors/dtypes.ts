import type { ElementDType } from '../dtype.js';

/**
 * Every dtype the safetensors format names, with its size in bits and the cria DType that holds it
 * (null where cria has none: such tensors open and their raw bytes are read with getBytes()).
 * `rank` is the position in safetensors' own (Rust) Dtype enum, which orders tensors in a file:
 * writers sort by descending rank, then by name.
 */
export interface SafetensorsDtypeInfo {
  readonly bits: number;
  readonly dtype: ElementDType | null;
  readonly rank: number;
}

export const SAFETENSORS_DTYPES: Readonly<Record<string, SafetensorsDtypeInfo>> = Object.freeze({
  BOOL: { bits: 8, dtype: 'bool', rank: 0 },
  F4: { bits: 4, dtype: null, rank: 1 },
  F6_E2M3: { bits: 6, dtype: null, rank: 2 },
  F6_E3M2: { bits: 6, dtype: null, rank: 3 },
  U8: { bits: 8, dtype: 'uint8', rank: 4 },
  I8: { bits: 8, dtype: 'int8', rank: 5 },
  F8_E5M2: { bits: 8, dtype: null, rank: 6 },
  F8_E4M3: { bits: 8, dtype: null, rank: 7 },
  F8_E8M0: { bits: 8, dtype: null, rank: 8 },
  I16: { bits: 16, dtype: null, rank: 9 },
  U16: { bits: 16, dtype: null, rank: 10 },
  F16: { bits: 16, dtype: 'float16', rank: 11 },
  BF16: { bits: 16, dtype: 'bfloat16', rank: 12 },
  I32: { bits: 32, dtype: 'int32', rank: 13 },
  U32: { bits: 32, dtype: null, rank: 14 },
  F32: { bits: 32, dtype: 'float32', rank: 15 },
  C64: { bits: 64, dtype: null, rank: 16 },
  F64: { bits: 64, dtype: 'float64', rank: 17 },
  I64: { bits: 64, dtype: 'int64', rank: 18 },
  U64: { bits: 64, dtype: null, rank: 19 },
});

/** The safetensors name of each cria DType. */
export const SAFETENSORS_NAME_OF: Readonly<Record<ElementDType, string>> = Object.freeze({
  bool: 'BOOL',
  uint8: 'U8',
  int8: 'I8',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
});

export function safetensorsDtypeInfo(name: string): SafetensorsDtypeInfo | undefined {
  return Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, name) ? SAFETENSORS_DTYPES[name] : undefined;
}
