// native/kernels/block_weights.cu on the emulated device: linear and embedding with llama.cpp block-format weights.
// decodeUnit mirrors native/block_decode.cuh line for line (the same byte offsets, shifts and float32 roundings, so
// each value is llama.cpp's dequantize_row_*'s); blockLinear runs the matvec's launch as the kernel does: grid.x
// over features (8 warps a block), grid.y over chunks of 8 rows (strided past 65535), 32 lanes per warp each over
// units lane, lane + 32, ... of the row with float32 fma sums, then the warp's xor-shuffle reduction (warpSum).
import { float16ToFloat32 } from '@cria/core';
import { BLOCK_FORMAT_CODE, type DevicePtr } from '../binding.js';
import type { DeviceMemory } from './device-memory.js';

const f = Math.fround;

/** Elements and bytes per block of each format code (native/block_decode.cuh Format<F>). */
export const BLOCK_FORMATS: readonly { readonly name: keyof typeof BLOCK_FORMAT_CODE; readonly elements: number; readonly bytes: number }[] = [
  { name: 'q4_0', elements: 32, bytes: 18 },
  { name: 'q4_1', elements: 32, bytes: 20 },
  { name: 'q5_0', elements: 32, bytes: 22 },
  { name: 'q5_1', elements: 32, bytes: 24 },
  { name: 'q8_0', elements: 32, bytes: 34 },
  { name: 'q4_k', elements: 256, bytes: 144 },
  { name: 'q5_k', elements: 256, bytes: 176 },
  { name: 'q6_k', elements: 256, bytes: 210 },
];

/** kWarps, kChunkRows and the grid.y cap of block_weights.cu. */
const WARPS = 8;
const CHUNK_ROWS = 8;
const MAX_GRID_Y = 65535;

const half = (b: Uint8Array, o: number): number => float16ToFloat32(b[o]! | (b[o + 1]! << 8));
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const i8 = (v: number): number => (v << 24) >> 24;

function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j]! & 63, q[o + j + 4]! & 63];
  return [(q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4), (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4)];
}

/** block_decode.cuh decodeUnit<F>: v[0..32) = values 32u .. 32u+31 of the row whose blocks start at row[o]. */
export function decodeUnit(format: number, row: Uint8Array, o: number, u: number, v: Float32Array): void {
  switch (format) {
    case BLOCK_FORMAT_CODE.q4_0: {
      const b = o + u * 18;
      const d = half(row, b);
      for (let l = 0; l < 16; l++) {
        const q = row[b + 2 + l]!;
        v[l] = f(((q & 0x0f) - 8) * d);
        v[l + 16] = f(((q >> 4) - 8) * d);
      }
      return;
    }
    case BLOCK_FORMAT_CODE.q4_1: {
      const b = o + u * 20;
      const [d, m] = [half(row, b), half(row, b + 2)];
      for (let l = 0; l < 16; l++) {
        const q = row[b + 4 + l]!;
        v[l] = f(f((q & 0x0f) * d) + m);
        v[l + 16] = f(f((q >> 4) * d) + m);
      }
      return;
    }
    case BLOCK_FORMAT_CODE.q5_0: {
      const b = o + u * 22;
      const d = half(row, b);
      const qh = u32(row, b + 2);
      for (let l = 0; l < 16; l++) {
        const q = row[b + 6 + l]!;
        const [xh0, xh1] = [((qh >>> l) << 4) & 0x10, (qh >>> (l + 12)) & 0x10];
        v[l] = f((((q & 0x0f) | xh0) - 16) * d);
        v[l + 16] = f((((q >> 4) | xh1) - 16) * d);
      }
      return;
    }
    case BLOCK_FORMAT_CODE.q5_1: {
      const b = o + u * 24;
      const [d, m] = [half(row, b), half(row, b + 2)];
      const qh = u32(row, b + 4);
      for (let l = 0; l < 16; l++) {
        const q = row[b + 8 + l]!;
        const [xh0, xh1] = [((qh >>> l) << 4) & 0x10, (qh >>> (l + 12)) & 0x10];
        v[l] = f(f(((q & 0x0f) | xh0) * d) + m);
        v[l + 16] = f(f(((q >> 4) | xh1) * d) + m);
      }
      return;
    }
    case BLOCK_FORMAT_CODE.q8_0: {
      const b = o + u * 34;
      const d = half(row, b);
      for (let l = 0; l < 32; l++) v[l] = f(i8(row[b + 2 + l]!) * d);
      return;
    }
    case BLOCK_FORMAT_CODE.q4_k:
    case BLOCK_FORMAT_CODE.q5_k: {
      const five = format === BLOCK_FORMAT_CODE.q5_k;
      const b = o + Math.floor(u / 8) * (five ? 176 : 144);
      const j = u % 8;
      const [sc, mn] = scaleMinK4(j, row, b + 4);
      const [d1, m1] = [f(half(row, b) * sc), f(half(row, b + 2) * mn)];
      const qs = b + (five ? 48 : 16) + 32 * (j >> 1);
      const shift = 4 * (j & 1);
      for (let l = 0; l < 32; l++) {
        const q = ((row[qs + l]! >> shift) & 0xf) + (five && (row[b + 16 + l]! >> j) & 1 ? 16 : 0);
        v[l] = f(f(d1 * q) - m1);
      }
      return;
    }
    case BLOCK_FORMAT_CODE.q6_k: {
      const b = o + Math.floor(u / 8) * 210;
      const j = u % 8;
      const [h, g] = [j >> 2, j & 3];
      const d = half(row, b + 208);
      const ql = b + 64 * h + 32 * (g & 1);
      const qh = b + 128 + 32 * h;
      const sc = b + 192 + 8 * h + 2 * g;
      const [nshift, hshift] = [4 * (g >> 1), 2 * g];
      const [s0, s1] = [f(d * i8(row[sc]!)), f(d * i8(row[sc + 1]!))];
      for (let l = 0; l < 32; l++) {
        const q = (((row[ql + l]! >> nshift) & 0xf) | (((row[qh + l]! >> hshift) & 3) << 4)) - 32;
        v[l] = f((l < 16 ? s0 : s1) * q);
      }
      return;
    }
    default:
      throw new Error(`CUDA block kernel failed: cudaErrorInvalidValue: unknown block format code ${format}`);
  }
}

/** The format's block shape; an unknown code fails as the native launcher does (the context checks it first). */
export function blockFormat(format: number): { elements: number; bytes: number } {
  const shape = BLOCK_FORMATS[format];
  if (!Number.isInteger(format) || shape === undefined) throw new RangeError(`unknown block format code ${format}`);
  return shape;
}

/** fmaf(a, b, c) in float32: a·b is exact in float64 (24 + 24 bits), so one rounding of the sum is fmaf's but in the rare double-rounding tie. */
const fma = (a: number, b: number, c: number): number => f(a * b + c);

/** warpSum: the xor butterfly over 32 lanes (offsets 16, 8, 4, 2, 1); every lane ends with the same sum (lane 0's is taken). */
function warpSum(lanes: Float32Array): number {
  const next = new Float32Array(32);
  for (let o = 16; o > 0; o >>= 1) {
    for (let l = 0; l < 32; l++) next[l] = f(lanes[l]! + lanes[l ^ o]!);
    lanes.set(next);
  }
  return lanes[0]!;
}

export function blockLinear(mem: DeviceMemory, a: { x: DevicePtr; format: number; weight: DevicePtr; biasDtype: number; bias: DevicePtr | null; out: DevicePtr; rows: number; k: number; m: number }): void {
  const { rows, k: K, m: M } = a;
  if (rows === 0 || M === 0) return;
  const { elements, bytes } = blockFormat(a.format);
  const rowBytes = (K / elements) * bytes;
  const units = K / 32;
  const x = mem.f32('blockLinear', 'x', a.x, rows * K);
  const w = mem.bytesAt('blockLinear', 'weight', a.weight, M * rowBytes);
  const bias = a.bias === null ? undefined : mem.widened('blockLinear', 'bias', a.biasDtype, a.bias, M);
  const out = mem.f32('blockLinear', 'out', a.out, rows * M);
  const gridX = Math.ceil(M / WARPS);
  const gridY = Math.min(Math.ceil(rows / CHUNK_ROWS), MAX_GRID_Y);
  const v = new Float32Array(32);
  const acc = Array.from({ length: CHUNK_ROWS }, () => new Float32Array(32)); // [row][lane]
  for (let by = 0; by < gridY; by++) {
    for (let bx = 0; bx < gridX; bx++) {
      for (let warp = 0; warp < WARPS; warp++) {
        const m = bx * WARPS + warp;
        if (m >= M) continue;
        const wrow = m * rowBytes;
        const b = bias === undefined ? 0 : bias[m]!;
        for (let r0 = by * CHUNK_ROWS; r0 < rows; r0 += gridY * CHUNK_ROWS) {
          const nr = Math.min(rows - r0, CHUNK_ROWS);
          for (const lanes of acc) lanes.fill(0);
          for (let lane = 0; lane < 32; lane++) {
            for (let u = lane; u < units; u += 32) {
              decodeUnit(a.format, w, wrow, u, v);
              for (let r = 0; r < nr; r++) {
                const xu = (r0 + r) * K + u * 32;
                let s = acc[r]![lane]!;
                for (let l = 0; l < 32; l++) s = fma(v[l]!, x[xu + l]!, s);
                acc[r]![lane] = s;
              }
            }
          }
          for (let r = 0; r < nr; r++) out[(r0 + r) * M + m] = f(warpSum(acc[r]!) + b);
        }
      }
    }
  }
}

/** block_weights.cu blockEmbeddingKernel: each picked row dequantized unit by unit; an id outside [0, vocab) a zero row. */
export function blockEmbedding(mem: DeviceMemory, a: { format: number; weight: DevicePtr; ids: DevicePtr; out: DevicePtr; count: number; vocab: number; hidden: number }): void {
  const { count, vocab, hidden } = a;
  if (count === 0 || hidden === 0) return;
  const { elements, bytes } = blockFormat(a.format);
  const rowBytes = (hidden / elements) * bytes;
  const ids = Int32Array.from(mem.i32('blockEmbedding', 'ids', a.ids, count));
  const out = mem.f32('blockEmbedding', 'out', a.out, count * hidden);
  const v = new Float32Array(32);
  for (let i = 0; i < count; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= vocab) {
      out.fill(0, i * hidden, (i + 1) * hidden);
      continue;
    }
    const row = mem.bytesAt('blockEmbedding', 'weight', a.weight + BigInt(id * rowBytes), rowBytes);
    for (let u = 0; u < hidden / 32; u++) {
      decodeUnit(a.format, row, 0, u, v);
      out.set(v, i * hidden + u * 32);
    }
  }
}
