/** The element types cria knows, named as torch / transformers name them. */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool' | 'float64';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'int8', 'bool', 'float64'];

/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
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
}

export type TypedArray = TypedArrayOf[DType];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** Allocates a zeroed host array for `length` elements of `dtype`. */
export function allocTypedArray<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  return typedArrayView(dtype, new ArrayBuffer(length * DTYPE_BYTES[dtype]), 0, length);
}

/** Views `length` elements of `dtype` in `buffer` at `byteOffset` (which must be aligned to the element size). */
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
  };
  return arrays[dtype](buffer, byteOffset, length) as TypedArrayOf[D];
}

/**
 * Copies little-endian bytes into a fresh, aligned typed array of `dtype`.
 * (Every platform cria runs on is little-endian, as safetensors is.)
 */
export function typedArrayFromBytes<D extends DType>(dtype: D, bytes: Uint8Array): TypedArrayOf[D] {
  const size = DTYPE_BYTES[dtype];
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
