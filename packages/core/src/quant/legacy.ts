// The 32-element block formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0: llama.cpp's quantize_row_*_ref and dequantize_row_*
// (ggml/src/ggml-quants.c), step for step in float32 (every operation rounded with Math.fround, in C's order).
//
// Blocks (ggml-common.h), little-endian, d and m float16:
//   Q4_0 (18 bytes) d, qs[16]            x = (q - 8)·d           q: low nibbles elements 0-15, high nibbles 16-31
//   Q4_1 (20 bytes) d, m, qs[16]         x = q·d + m
//   Q5_0 (22 bytes) d, qh[4], qs[16]     x = (q - 16)·d          bit 4 of element j is bit j of the uint32 qh
//   Q5_1 (24 bytes) d, m, qh[4], qs[16]  x = q·d + m
//   Q8_0 (34 bytes) d, int8 qs[32]       x = q·d
import { fround, readHalf, roundf, toInt8, truncToInt32, writeHalf } from './formats.js';

const QK = 32;
const FLT_MAX = 3.4028234663852886e38;

/** The value of largest magnitude in x[o .. o+32) with its sign (the first one on ties), as the C loop keeps `max`. */
function signedMax(x: Float32Array, o: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < QK; j++) {
    const v = x[o + j]!;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

export function quantizeQ4_0(x: Float32Array, y: Uint8Array, k: number): void {
  for (let i = 0, o = 0, b = 0; o < k; i++, o += QK, b += 18) {
    const d = fround(signedMax(x, o) / -8);
    const id = d !== 0 ? fround(1 / d) : 0; // C: d ? 1.0f/d : 0.0f (NaN counts as true)
    writeHalf(y, b, d);
    for (let j = 0; j < QK / 2; j++) {
      const x0 = fround(x[o + j]! * id);
      const x1 = fround(x[o + QK / 2 + j]! * id);
      const xi0 = Math.min(15, toInt8(fround(x0 + 8.5))) & 0xff;
      const xi1 = Math.min(15, toInt8(fround(x1 + 8.5))) & 0xff;
      y[b + 2 + j] = (xi0 | (xi1 << 4)) & 0xff;
    }
  }
}

export function dequantizeQ4_0(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 18) {
    const d = readHalf(x, b);
    for (let j = 0; j < QK / 2; j++) {
      const q = x[b + 2 + j]!;
      y[o + j] = fround(((q & 0x0f) - 8) * d);
      y[o + j + QK / 2] = fround(((q >> 4) - 8) * d);
    }
  }
}

/** (min, max) of a block as quantize_row_q4_1_ref/q5_1_ref find them. */
function minMax(x: Float32Array, o: number, out: Float64Array): void {
  let min = FLT_MAX;
  let max = -FLT_MAX;
  for (let j = 0; j < QK; j++) {
    const v = x[o + j]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  out[0] = min;
  out[1] = max;
}
const range = new Float64Array(2);

export function quantizeQ4_1(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 20) {
    minMax(x, o, range);
    const min = range[0]!;
    const d = fround(fround(range[1]! - min) / 15);
    const id = d !== 0 ? fround(1 / d) : 0; // C: d ? 1.0f/d : 0.0f (NaN counts as true)
    writeHalf(y, b, d);
    writeHalf(y, b + 2, min);
    for (let j = 0; j < QK / 2; j++) {
      const x0 = fround(fround(x[o + j]! - min) * id);
      const x1 = fround(fround(x[o + QK / 2 + j]! - min) * id);
      const xi0 = Math.min(15, toInt8(fround(x0 + 0.5))) & 0xff;
      const xi1 = Math.min(15, toInt8(fround(x1 + 0.5))) & 0xff;
      y[b + 4 + j] = (xi0 | (xi1 << 4)) & 0xff;
    }
  }
}

export function dequantizeQ4_1(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 20) {
    const d = readHalf(x, b);
    const m = readHalf(x, b + 2);
    for (let j = 0; j < QK / 2; j++) {
      const q = x[b + 4 + j]!;
      y[o + j] = fround(fround((q & 0x0f) * d) + m);
      y[o + j + QK / 2] = fround(fround((q >> 4) * d) + m);
    }
  }
}

function writeU32(y: Uint8Array, b: number, v: number): void {
  y[b] = v & 0xff;
  y[b + 1] = (v >>> 8) & 0xff;
  y[b + 2] = (v >>> 16) & 0xff;
  y[b + 3] = (v >>> 24) & 0xff;
}

function readU32(x: Uint8Array, b: number): number {
  return (x[b]! | (x[b + 1]! << 8) | (x[b + 2]! << 16) | (x[b + 3]! << 24)) >>> 0;
}

export function quantizeQ5_0(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 22) {
    const d = fround(signedMax(x, o) / -16);
    const id = d !== 0 ? fround(1 / d) : 0; // C: d ? 1.0f/d : 0.0f (NaN counts as true)
    writeHalf(y, b, d);
    let qh = 0;
    for (let j = 0; j < QK / 2; j++) {
      const x0 = fround(x[o + j]! * id);
      const x1 = fround(x[o + QK / 2 + j]! * id);
      const xi0 = Math.min(31, toInt8(fround(x0 + 16.5))) & 0xff;
      const xi1 = Math.min(31, toInt8(fround(x1 + 16.5))) & 0xff;
      y[b + 6 + j] = ((xi0 & 0x0f) | ((xi1 & 0x0f) << 4)) & 0xff;
      qh |= ((xi0 & 0x10) >>> 4) << j;
      qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
    }
    writeU32(y, b + 2, qh);
  }
}

export function dequantizeQ5_0(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 22) {
    const d = readHalf(x, b);
    const qh = readU32(x, b + 2);
    for (let j = 0; j < QK / 2; j++) {
      const q = x[b + 6 + j]!;
      const xh0 = ((qh >>> j) << 4) & 0x10;
      const xh1 = (qh >>> (j + 12)) & 0x10;
      y[o + j] = fround((((q & 0x0f) | xh0) - 16) * d);
      y[o + j + QK / 2] = fround((((q >> 4) | xh1) - 16) * d);
    }
  }
}

export function quantizeQ5_1(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 24) {
    minMax(x, o, range);
    const min = range[0]!;
    const d = fround(fround(range[1]! - min) / 31);
    const id = d !== 0 ? fround(1 / d) : 0; // C: d ? 1.0f/d : 0.0f (NaN counts as true)
    writeHalf(y, b, d);
    writeHalf(y, b + 2, min);
    let qh = 0;
    for (let j = 0; j < QK / 2; j++) {
      const x0 = fround(fround(x[o + j]! - min) * id);
      const x1 = fround(fround(x[o + QK / 2 + j]! - min) * id);
      const xi0 = truncToInt32(fround(x0 + 0.5)) & 0xff; // (uint8_t)(x0 + 0.5f)
      const xi1 = truncToInt32(fround(x1 + 0.5)) & 0xff;
      y[b + 8 + j] = ((xi0 & 0x0f) | ((xi1 & 0x0f) << 4)) & 0xff;
      qh |= ((xi0 & 0x10) >>> 4) << j;
      qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
    }
    writeU32(y, b + 4, qh);
  }
}

export function dequantizeQ5_1(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 24) {
    const d = readHalf(x, b);
    const m = readHalf(x, b + 2);
    const qh = readU32(x, b + 4);
    for (let j = 0; j < QK / 2; j++) {
      const q = x[b + 8 + j]!;
      const xh0 = ((qh >>> j) << 4) & 0x10;
      const xh1 = (qh >>> (j + 12)) & 0x10;
      y[o + j] = fround(fround(((q & 0x0f) | xh0) * d) + m);
      y[o + j + QK / 2] = fround(fround(((q >> 4) | xh1) * d) + m);
    }
  }
}

export function quantizeQ8_0(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 34) {
    let amax = 0;
    for (let j = 0; j < QK; j++) {
      const v = Math.abs(x[o + j]!);
      amax = amax > v ? amax : v; // MAX(amax, fabsf(v))
    }
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(1 / d) : 0; // C: d ? 1.0f/d : 0.0f (NaN counts as true)
    writeHalf(y, b, d);
    for (let j = 0; j < QK; j++) {
      y[b + 2 + j] = toInt8(roundf(fround(x[o + j]! * id))) & 0xff;
    }
  }
}

export function dequantizeQ8_0(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK, b += 34) {
    const d = readHalf(x, b);
    for (let j = 0; j < QK; j++) {
      y[o + j] = fround(((x[b + 2 + j]! << 24) >> 24) * d);
    }
  }
}
