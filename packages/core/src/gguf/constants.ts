// GGUF v3 as llama.cpp reads it (ggml/include/gguf.h, gguf-py/gguf/constants.py).

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
/** Tensor data offsets are multiples of this unless `general.alignment` says otherwise. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** GGML_QNT_VERSION, written as general.quantization_version. */
export const GGML_QUANT_VERSION = 2;

/** Metadata value types (gguf_type). */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufScalarType = Exclude<keyof typeof GGUF_VALUE_TYPE, 'array'>;

/** The tensor types this writer produces (ggml_type ids). */
export const GGML_TYPE = { F32: 0, F16: 1, BF16: 30 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;
export const GGML_TYPE_SIZE: Readonly<Record<GgmlTypeName, number>> = { F32: 4, F16: 2, BF16: 2 };

/** llama_ftype for whole-file types (general.file_type). */
export const LLAMA_FILE_TYPE = { ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_BF16: 32 } as const;

/** llama_token_type (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
