// GGUF v3 as llama.cpp reads and writes it (ggml/include/gguf.h, gguf-py/gguf/constants.py).

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

/**
 * The tensor types cria reads and writes (ggml_type ids): plain floats and llama.cpp's block formats. `blockElements`
 * elements (along a row) are stored in `blockBytes` bytes; plain floats are blocks of one.
 */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;
export const GGML_BLOCK: Readonly<Record<GgmlTypeName, { readonly blockElements: number; readonly blockBytes: number }>> = {
  F32: { blockElements: 1, blockBytes: 4 },
  F16: { blockElements: 1, blockBytes: 2 },
  BF16: { blockElements: 1, blockBytes: 2 },
  Q4_0: { blockElements: 32, blockBytes: 18 },
  Q4_1: { blockElements: 32, blockBytes: 20 },
  Q5_0: { blockElements: 32, blockBytes: 22 },
  Q5_1: { blockElements: 32, blockBytes: 24 },
  Q8_0: { blockElements: 32, blockBytes: 34 },
  Q4_K: { blockElements: 256, blockBytes: 144 },
  Q5_K: { blockElements: 256, blockBytes: 176 },
  Q6_K: { blockElements: 256, blockBytes: 210 },
};

/** llama-quantize's type for rows that are not whole blocks of a K type (convert_incompatible_tensor). */
export const GGML_BLOCK_FALLBACK: Readonly<Partial<Record<GgmlTypeName, GgmlTypeName>>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

/** The type name of a ggml_type id, or undefined for one cria does not know. */
export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  for (const [name, value] of Object.entries(GGML_TYPE)) if (value === id) return name as GgmlTypeName;
  return undefined;
}

/** llama_ftype for whole-file types (general.file_type). */
export const LLAMA_FILE_TYPE = {
  ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_Q4_0: 2, MOSTLY_Q4_1: 3, MOSTLY_Q8_0: 7, MOSTLY_Q5_0: 8, MOSTLY_Q5_1: 9,
  MOSTLY_Q4_K_S: 14, MOSTLY_Q4_K_M: 15, MOSTLY_Q5_K_S: 16, MOSTLY_Q5_K_M: 17, MOSTLY_Q6_K: 18, MOSTLY_BF16: 32,
} as const;

/** llama_token_type (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
