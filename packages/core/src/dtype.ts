import { ArgumentError } from './errors.js';
import { GGML_BLOCK, GGML_BLOCK_FALLBACK, type GgmlTypeName } from './gguf/constants.js';

/** The element types cria knows, named as torch / transformers name them. */
export type ElementDType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool' | 'float64';
/**
 * llama.cpp's block formats (named as GGUF's types, lower case). A tensor of one is logically [..., cols] of real
 * numbers; its bytes are the GGUF blocks unchanged (cols / blockElements blocks per row), held as a Uint8Array.
 */
export type QuantDType = 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q4_k' | 'q5_k' | 'q6_k';
export type DType = ElementDType | QuantDType;

export const ELEMENT_DTYPES: readonly ElementDType[] = ['float32', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'int8', 'bool', 'float64'];
export const QUANT_DTYPES: readonly QuantDType[] = ['q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'q4_k', 'q5_k', 'q6_k'];
export const DTYPES: readonly DType[] = [...ELEMENT_DTYPES, ...QUANT_DTYPES];

/** The GGUF tensor type of each block format. */
export const QUANT_GGML_TYPE: Readonly<Record<QuantDType, GgmlTypeName>> = {
  q4_0: 'Q4_0', q4_1: 'Q4_1', q5_0: 'Q5_0', q5_1: 'Q5_1', q8_0: 'Q8_0', q4_k: 'Q4_K', q5_k: 'Q5_K', q6_k: 'Q6_K',
};

export function isQuantDType(dtype: DType): dtype is QuantDType {
  return Object.hasOwn(QUANT_GGML_TYPE, dtype);
}

/**
 * The block format a matrix with rows of `cols` values is quantized to when `dtype` is asked for: `dtype` where the
 * rows are whole blocks, else llama-quantize's fallback for a K type (q4_k -> q5_0, q5_k -> q5_1, q6_k -> q8_0) where
 * those fit, else null (the matrix keeps its float dtype).
 */
export function quantDTypeForRows(dtype: QuantDType, cols: number): QuantDType | null {
  if (cols % quantBlock(dtype).blockElements === 0) return dtype;
  const fallback = GGML_BLOCK_FALLBACK[QUANT_GGML_TYPE[dtype]];
  if (!fallback) return null;
  const name = fallback.toLowerCase() as QuantDType;
  return cols % quantBlock(name).blockElements === 0 ? name : null;
}

/** Elements per block and bytes per block of a block format. */
export function quantBlock(dtype: QuantDType): { readonly blockElements: number; readonly blockBytes: number } {
  return GGML_BLOCK[QUANT_GGML_TYPE[dtype]];
}

/**
 * Bytes a tensor of `shape` and `dtype` takes. A block format needs a last dimension that is a whole number of blocks
 * (ArgumentError otherwise, naming `what`).
 */
export function dtypeByteLength(dtype: DType, shape: readonly number[], what = 'tensor'): number {
  if (!isQuantDType(dtype)) return shapeSize(shape) * DTYPE_BYTES[dtype];
  const { blockElements, blockBytes } = quantBlock(dtype);
  const cols = shape.length ? shape[shape.length - 1]! : 1;
  if (cols % blockElements !== 0) {
    throw new ArgumentError(`${what} [${shape.join(', ')}] ${dtype}: the last dimension must be a multiple of ${blockElements} (its block size), got ${cols}`);
  }
  return (shapeSize(shape) / blockElements) * blockBytes;
}

/** The length of the host array holding a tensor: its elements, or its bytes for a block format. */
export function dtypeArrayLength(dtype: DType, shape: readonly number[], what = 'tensor'): number {
  return isQuantDType(dtype) ? dtypeByteLength(dtype, shape, what) : shapeSize(shape);
}

/** Bytes per element of an element dtype; a block format has none (ArgumentError: use `dtypeByteLength`). */
export function elementBytes(dtype: DType): number {
  if (isQuantDType(dtype)) throw new ArgumentError(`${dtype} is a block format: it has no size per element (its tensors' sizes come from dtypeByteLength)`);
  return DTYPE_BYTES[dtype];
}

/** Bytes per element (element dtypes; a block format's size is `dtypeByteLength`). */
export const DTYPE_BYTES: Readonly<Record<ElementDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  bool: 1,
  float64: 8,
};

/**
 * The typed array that holds each dtype on the host. float16 and bfloat16 are kept as their raw
 * bits (Uint16Array); use `toFloat32` to widen them.
 */
export interface TypedArrayOf {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  int8: Int8Array;
  bool: Uint8Array;
  float64: Float64Array;
  q4_0: Uint8Array;
  q4_1: Uint8Array;
  q5_0: Uint8Array;
  q5_1: Uint8Array;
  q8_0: Uint8Array;
  q4_k: Uint8Array;
  q5_k: Uint8Array;
  q6_k: Uint8Array;
}

export type TypedArray = TypedArrayOf[DType];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** Whether `value` names an element dtype (one a safetensors file or a torch tensor can hold). */
export function isElementDType(value: unknown): value is ElementDType {
  return typeof value === 'string' && (ELEMENT_DTYPES as readonly string[]).includes(value);
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** Allocates a zeroed host array of `length` (elements, or bytes for a block format) for `dtype`. */
export function allocTypedArray<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  return typedArrayView(dtype, new ArrayBuffer(length * arrayItemBytes(dtype)), 0, length);
}

/** Bytes per item of the host array of `dtype` (1 for a block format, held as bytes). */
export function arrayItemBytes(dtype: DType): number {
  return isQuantDType(dtype) ? 1 : DTYPE_BYTES[dtype];
}

/** Views `length` elements of `dtype` in `buffer` at `byteOffset` (which must be aligned to the element size). */
const bytes = (b: ArrayBufferLike, o: number, n: number) => new Uint8Array(b, o, n);

export function typedArrayView<D extends DType>(dtype: D, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArrayOf[D] {
  const arrays: { [K in DType]: (b: ArrayBufferLike, o: number, n: number) => TypedArrayOf[K] } = {
    float32: (b, o, n) => new Float32Array(b, o, n),
    float16: (b, o, n) => new Uint16Array(b, o, n),
    bfloat16: (b, o, n) => new Uint16Array(b, o, n),
    int32: (b, o, n) => new Int32Array(b, o, n),
    int64: (b, o, n) => new BigInt64Array(b, o, n),
    uint8: (b, o, n) => new Uint8Array(b, o, n),
    int8: (b, o, n) => new Int8Array(b, o, n),
    bool: (b, o, n) => new Uint8Array(b, o, n),
    float64: (b, o, n) => new Float64Array(b, o, n),
    q4_0: bytes, q4_1: bytes, q5_0: bytes, q5_1: bytes, q8_0: bytes, q4_k: bytes, q5_k: bytes, q6_k: bytes,
  };
  return arrays[dtype](buffer, byteOffset, length) as TypedArrayOf[D];
}

/**
 * Copies little-endian bytes into a fresh, aligned typed array of `dtype`.
 * (Every platform cria runs on is little-endian, as safetensors is.)
 */
export function typedArrayFromBytes<D extends DType>(dtype: D, bytes: Uint8Array): TypedArrayOf[D] {
  const size = arrayItemBytes(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements (${size} bytes each)`);
  }
  const out = allocTypedArray(dtype, bytes.byteLength / size);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

/** The number of elements of a shape (1 for a scalar []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
