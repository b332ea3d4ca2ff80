// llama.cpp's block formats in TypeScript, bit for bit: dequantize_row_* and the reference quantizers
// quantize_row_*_ref (what ggml_quantize_chunk and llama-quantize use without an importance matrix).
import { ArgumentError } from '../errors.js';
import { blocksOf, needLength, quantFormat, type QuantType, type QuantTypeName } from './formats.js';
import { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K, quantizeQ4_K, quantizeQ5_K, quantizeQ6_K } from './k-quants.js';
import {
  dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1, dequantizeQ8_0,
  quantizeQ4_0, quantizeQ4_1, quantizeQ5_0, quantizeQ5_1, quantizeQ8_0,
} from './legacy.js';

export { QUANT_FORMATS, QUANT_TYPES, isQuantType, quantByteLength, quantFormat } from './formats.js';
export type { QuantFormat, QuantType, QuantTypeName } from './formats.js';

type Dequantizer = (x: Uint8Array, y: Float32Array, k: number) => void;
type Quantizer = (x: Float32Array, y: Uint8Array, k: number) => void;

const DEQUANTIZE: Readonly<Record<QuantTypeName, Dequantizer>> = {
  Q4_0: dequantizeQ4_0, Q4_1: dequantizeQ4_1, Q5_0: dequantizeQ5_0, Q5_1: dequantizeQ5_1, Q8_0: dequantizeQ8_0,
  Q4_K: dequantizeQ4_K, Q5_K: dequantizeQ5_K, Q6_K: dequantizeQ6_K,
};
const QUANTIZE: Readonly<Record<QuantTypeName, Quantizer>> = {
  Q4_0: quantizeQ4_0, Q4_1: quantizeQ4_1, Q5_0: quantizeQ5_0, Q5_1: quantizeQ5_1, Q8_0: quantizeQ8_0,
  Q4_K: quantizeQ4_K, Q5_K: quantizeQ5_K, Q6_K: quantizeQ6_K,
};

/**
 * llama.cpp's dequantize_row_<type>: the first `n` elements encoded by the blocks at the start of `src`, into
 * out[0 .. n). `n` must be a whole number of blocks; `src` and `out` at least that long (ArgumentError naming the
 * argument otherwise). Returns `out`. Bit-identical to llama.cpp's C code (float32 arithmetic in the same order).
 */
export function dequantizeRow(type: QuantType, src: Uint8Array, out: Float32Array, n: number): Float32Array {
  const format = quantFormat(type);
  const blocks = blocksOf(format, n, 'n');
  needLength('src', src, blocks * format.blockBytes, `bytes (${blocks} ${format.type} blocks)`);
  needLength('out', out, n, 'floats');
  DEQUANTIZE[format.type](src, out, n);
  return out;
}

/**
 * llama.cpp's quantize_row_<type>_ref: src[0 .. n) into blocks at the start of `out`. `n` must be a whole number of
 * blocks; `src` and `out` at least that long (ArgumentError naming the argument otherwise). Returns the bytes
 * written. The bytes are those llama.cpp's ggml_quantize_chunk writes without an importance matrix.
 */
export function quantizeRow(type: QuantType, src: Float32Array, out: Uint8Array, n: number): number {
  const format = quantFormat(type);
  const bytes = blocksOf(format, n, 'n') * format.blockBytes;
  needLength('src', src, n, 'floats');
  needLength('out', out, bytes, `bytes (${n / format.blockElements} ${format.type} blocks)`);
  QUANTIZE[format.type](src, out, n);
  return bytes;
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new ArgumentError(`rows: expected a non-negative integer, got ${rows}`);
  if (!Number.isSafeInteger(cols) || cols < 0) throw new ArgumentError(`cols: expected a non-negative integer, got ${cols}`);
}

/**
 * A whole [rows, cols] matrix stored as `type` (row after row, cols / blockElements blocks each, as GGUF stores a
 * tensor whose first dimension is cols) to float32. `bytes` must be exactly that size.
 */
export function dequantize(type: QuantType, bytes: Uint8Array, rows: number, cols: number): Float32Array {
  const format = quantFormat(type);
  checkShape(rows, cols);
  const size = rows * blocksOf(format, cols, 'cols') * format.blockBytes;
  if (bytes.length !== size) {
    throw new ArgumentError(`bytes: [${rows}, ${cols}] ${format.type} is ${size} bytes, got ${bytes.length}`);
  }
  const out = new Float32Array(rows * cols);
  DEQUANTIZE[format.type](bytes, out, rows * cols);
  return out;
}

/** A [rows, cols] float32 matrix (`values`, exactly rows·cols long) to `type`, row after row, as llama.cpp does. */
export function quantize(type: QuantType, values: Float32Array, rows: number, cols: number): Uint8Array {
  const format = quantFormat(type);
  checkShape(rows, cols);
  const size = rows * blocksOf(format, cols, 'cols') * format.blockBytes;
  if (values.length !== rows * cols) {
    throw new ArgumentError(`values: [${rows}, ${cols}] needs ${rows * cols} floats, got ${values.length}`);
  }
  const out = new Uint8Array(size);
  QUANTIZE[format.type](values, out, rows * cols);
  return out;
}
