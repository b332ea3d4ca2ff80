// llama.cpp's block formats: which types they are, their geometry (from GGML_BLOCK), argument checks, and the float32
// helpers the (de)quantizers share (ggml's float16 conversions and nearest_int).
import { ArgumentError } from '../errors.js';
import { GGML_BLOCK, GGML_TYPE, type GgmlTypeName } from '../gguf/constants.js';
import { float16ToFloat32, float32ToFloat16 } from '../half.js';

/** The quantized ggml types cria reads and writes: 32-element blocks and 256-element K super-blocks. */
export const QUANT_TYPES = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const satisfies readonly GgmlTypeName[];
export type QuantTypeName = (typeof QUANT_TYPES)[number];
/** A quantized type by its GGUF name (`Q4_K`) or as a cria dtype (`q4_k`). */
export type QuantType = QuantTypeName | Lowercase<QuantTypeName>;

export interface QuantFormat {
  readonly type: QuantTypeName;
  /** The ggml_type id. */
  readonly ggmlType: number;
  /** Elements per block (a row holds a whole number of blocks). */
  readonly blockElements: number;
  /** Bytes per block. */
  readonly blockBytes: number;
}

/** Geometry of each quantized type (GGML_BLOCK's sizes, GGML_TYPE's id). */
export const QUANT_FORMATS: Readonly<Record<QuantTypeName, QuantFormat>> = Object.freeze(
  Object.fromEntries(QUANT_TYPES.map((type) => [type, Object.freeze({ type, ggmlType: GGML_TYPE[type], ...GGML_BLOCK[type] })])) as Record<
    QuantTypeName,
    QuantFormat
  >,
);

export function isQuantType(value: unknown): value is QuantType {
  if (typeof value !== 'string') return false;
  const upper = value.toUpperCase();
  return (QUANT_TYPES as readonly string[]).includes(upper) && (value === upper || value === value.toLowerCase());
}

/** The format of a quantized type (either spelling); ArgumentError naming `type` for anything else. */
export function quantFormat(type: QuantType | string): QuantFormat {
  if (!isQuantType(type)) {
    throw new ArgumentError(`type: expected a quantized ggml type (${QUANT_TYPES.join(', ')}, or lower case), got ${JSON.stringify(type)}`);
  }
  return QUANT_FORMATS[type.toUpperCase() as QuantTypeName];
}

/** Bytes of `n` elements of a quantized type; `n` must be a whole number of blocks (ArgumentError naming `what`). */
export function quantByteLength(type: QuantType, n: number, what = 'n'): number {
  const format = quantFormat(type);
  return blocksOf(format, n, what) * format.blockBytes;
}

/** Blocks in `n` elements, which must be a non-negative multiple of the block (ArgumentError naming `what`). */
export function blocksOf(format: QuantFormat, n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0 || n % format.blockElements !== 0) {
    throw new ArgumentError(`${what}: ${format.type} needs a non-negative multiple of ${format.blockElements} elements (its block), got ${n}`);
  }
  return n / format.blockElements;
}

/** Throws ArgumentError naming `what` when `array` holds fewer than `needed` items. */
export function needLength(what: string, array: { readonly length: number }, needed: number, unit: string): void {
  if (array.length < needed) throw new ArgumentError(`${what}: needs ${needed} ${unit}, got ${array.length}`);
}

// ---- float32 helpers, as ggml computes them ----

export const fround = Math.fround;

/** GGML_FP16_TO_FP32 of the little-endian half at `offset`. */
export function readHalf(bytes: Uint8Array, offset: number): number {
  return float16ToFloat32(bytes[offset]! | (bytes[offset + 1]! << 8));
}

/** GGML_FP32_TO_FP16 (round to nearest even) written little-endian at `offset`. */
export function writeHalf(bytes: Uint8Array, offset: number, value: number): void {
  const bits = float32ToFloat16(value);
  bytes[offset] = bits & 0xff;
  bytes[offset + 1] = bits >>> 8;
}

/** The same half read back as ggml reads the value it just stored (GGML_FP16_TO_FP32(GGML_FP32_TO_FP16(x))). */
export function roundToHalf(value: number): number {
  return float16ToFloat32(float32ToFloat16(value));
}

const scratchF32 = new Float32Array(1);
const scratchI32 = new Int32Array(scratchF32.buffer);

/**
 * ggml's nearest_int: adds 1.5·2^23 in float32 and reads the low mantissa bits (round half to even for |x| < 2^22;
 * beyond that it wraps exactly as the C code does).
 */
export function nearestInt(fval: number): number {
  scratchF32[0] = fval + 12582912; // a float32 sum rounded once (double then float rounding is exact for +)
  return (scratchI32[0]! & 0x007fffff) - 0x00400000;
}

/** float -> int32 as x86's cvttss2si converts (truncation; NaN and out-of-range give INT32_MIN). */
export function truncToInt32(value: number): number {
  return value > -2147483649 && value < 2147483648 ? Math.trunc(value) | 0 : -2147483648;
}

/** C's (int8_t) of a float (truncate to int32, keep the low byte, signed). */
export function toInt8(value: number): number {
  return (truncToInt32(value) << 24) >> 24;
}

/** C's roundf: half away from zero. */
export function roundf(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}
