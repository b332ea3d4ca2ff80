// The block-format weight checks the emulated tests (src/block-weights.test.ts) and the GPU device tests
// (src/block-weights.device.test.ts) both run: linear (rows 1, 3, 33; with and without bias), embedding, linearSiluMul
// and linearMany with weights from core's `quantize` of seeded random floats, against float64 loops over core's
// `dequantize` of the same bytes (relative error <= 1e-5; embedding bit-exact).
import { type Backend, type QuantDType, type Tensor, dequantize, quantBlock, quantize } from '@cria/core';
import { relativeError } from '@cria/core/testing';

export const TOLERANCE = 1e-5;
export const M = 77;
export const LINEAR_ROWS = [1, 3, 33] as const;

/** K values per format: 256 and 512 for the 256-element super-blocks, 96 and 256 for the 32-element blocks. */
export function kValues(format: QuantDType): number[] {
  return quantBlock(format).blockElements === 256 ? [256, 512] : [96, 256];
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

/** A quantized [rows, cols] weight: its GGUF bytes and core's dequantized values of them. */
export interface BlockWeight {
  bytes: Uint8Array;
  values: Float32Array;
}

export function blockWeight(format: QuantDType, rows: number, cols: number, seed: number): BlockWeight {
  const bytes = quantize(format, randomFloats(rows * cols, seed), rows, cols);
  return { bytes, values: dequantize(format, bytes, rows, cols) };
}

/** x [rows, k] · w [m, k]ᵀ (+ bias) in float64. */
export function reference(x: Float32Array, w: Float32Array, bias: ArrayLike<number> | undefined, rows: number, k: number, m: number): Float64Array {
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += x[r * k + i]! * w[j * k + i]!;
      out[r * m + j] = acc + (bias ? bias[j]! : 0);
    }
  }
  return out;
}

export interface CaseResult {
  name: string;
  /** Relative error against the float64 reference (0 for bit-exact checks that pass). */
  error: number;
  /** For bit-exact checks: whether every bit matched. */
  exact?: boolean;
}

async function readF32(backend: Backend, t: Tensor): Promise<Float32Array> {
  return (await backend.read(t)) as Float32Array;
}

/** Runs every check of one format on `backend`; returns one result per case (the caller applies the bounds). */
export async function runBlockWeightCases(backend: Backend, format: QuantDType, seed = 1): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const live: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    live.push(t);
    return t;
  };
  try {
    for (const k of kValues(format)) {
      const w = blockWeight(format, M, k, seed + k);
      const weight = keep(backend.upload(w.bytes, [M, k], format));
      // Upload / read round trip: the GGUF bytes unchanged.
      const back = (await backend.read(weight)) as Uint8Array;
      results.push({ name: `${format} K=${k} read back`, error: 0, exact: back.length === w.bytes.length && back.every((b, i) => b === w.bytes[i]) });

      const biasValues = randomFloats(M, seed + 7);
      const bias = keep(backend.upload(biasValues, [M], 'float32'));
      for (const rows of LINEAR_ROWS) {
        const xValues = randomFloats(rows * k, seed + rows);
        const x = keep(backend.upload(xValues, [rows, k], 'float32'));
        for (const withBias of [false, true]) {
          const y = keep(backend.linear(x, weight, withBias ? bias : undefined));
          const want = reference(xValues, w.values, withBias ? biasValues : undefined, rows, k, M);
          results.push({ name: `${format} linear rows=${rows} K=${k}${withBias ? ' +bias' : ''}`, error: relativeError(await readF32(backend, y), want) });
        }
      }

      // Embedding: the rows core's dequantize gives, bit for bit; out-of-range ids a zero row.
      const idList = [0, 5, M - 1, 5, -1, M, 40];
      const ids = keep(backend.upload(Int32Array.from(idList), [1, idList.length], 'int32'));
      const rowsOut = await readF32(backend, keep(backend.embedding(weight, ids)));
      let exact = rowsOut.length === idList.length * k;
      idList.forEach((id, i) => {
        for (let e = 0; e < k; e++) {
          const want = id < 0 || id >= M ? 0 : w.values[id * k + e]!;
          if (!Object.is(rowsOut[i * k + e], want)) exact = false;
        }
      });
      results.push({ name: `${format} embedding K=${k}`, error: 0, exact });

      // linearSiluMul: silu(x·gateᵀ) * (x·upᵀ), composed from linear on block weights.
      const up = blockWeight(format, M, k, seed + 3 * k);
      const upT = keep(backend.upload(up.bytes, [M, k], format));
      for (const rows of [1, 3]) {
        const xValues = randomFloats(rows * k, seed + 11 * rows);
        const x = keep(backend.upload(xValues, [rows, k], 'float32'));
        const g = reference(xValues, w.values, undefined, rows, k, M);
        const u = reference(xValues, up.values, undefined, rows, k, M);
        const want = g.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[i]!);
        const got = await readF32(backend, keep(backend.linearSiluMul(x, weight, upT)));
        results.push({ name: `${format} linearSiluMul rows=${rows} K=${k}`, error: relativeError(got, want) });
      }

      // linearMany: three projections of one x, per weight as linear.
      const ms = [M, 40, 24];
      const many = ms.map((m, i) => blockWeight(format, m, k, seed + 100 * (i + 1) + k));
      const manyT = many.map((mw, i) => keep(backend.upload(mw.bytes, [ms[i]!, k], format)));
      for (const rows of [1, 33]) {
        const xValues = randomFloats(rows * k, seed + 13 * rows);
        const x = keep(backend.upload(xValues, [rows, k], 'float32'));
        const outs = backend.linearMany(x, manyT).map(keep);
        for (let i = 0; i < ms.length; i++) {
          const want = reference(xValues, many[i]!.values, undefined, rows, k, ms[i]!);
          results.push({ name: `${format} linearMany[${i}] rows=${rows} K=${k}`, error: relativeError(await readF32(backend, outs[i]!), want) });
        }
      }
    }
  } finally {
    for (const t of live) t.dispose();
  }
  return results;
}
