// The block formats against llama.cpp itself: golden/ holds what llama.cpp's libggml-base.so (node-llama-cpp 3.21.1)
// wrote for seeded inputs (scripts/goldens/quant/make_quant_goldens.py): ggml_quantize_chunk's bytes and
// dequantize_row_*'s floats. quantizeRow must give the same bytes and dequantizeRow the same float bits.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUANT_FORMATS, QUANT_TYPES, type QuantTypeName, dequantize, dequantizeRow, quantize, quantizeRow } from './index.js';

const golden = (name: string) => join(import.meta.dirname, 'golden', name);

interface Span {
  offset: number;
  bytes: number;
  sha256: string;
}
interface Manifest {
  llama_cpp: { build_metadata: { buildOptions: { llamaCpp: { release: string } } } };
  bulk: { seed: number; elements: number; chunk_elements: number; values_sha256: string };
  inputs: { file: string; sha256: string; matrices: (Span & { name: string; rows: number; cols: number; kinds: string[][] })[] };
  formats: Record<
    QuantTypeName,
    {
      file: string;
      sha256: string;
      block_elements: number;
      block_bytes: number;
      cases: { input: string; rows: number; cols: number; quantized: Span; dequantized: Span }[];
      random_blocks: { rows: number; cols: number; blocks: Span; dequantized: Span };
      bulk: { quantized_sha256: string; dequantized_sha256: string; quantized_chunks: string[]; dequantized_chunks: string[] };
    }
  >;
}

/**
 * The bulk case's inputs, as make_quant_goldens.py's bulk_values makes them: mulberry32 draws, every value an integer
 * times a power of two (so both sides build the same float32 values without float arithmetic).
 */
export function bulkValues(seed: number, n: number): Float32Array {
  let state = seed >>> 0;
  const u32 = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out = new Float32Array(n);
  for (let b = 0; b < n; b += 32) {
    const mode = u32() % 8;
    const top = (u32() % 55) - 40;
    const k = 1 + (u32() % 23);
    const outlier = u32() % 32;
    const span = 2 ** k;
    const pow = 2 ** (top - k);
    for (let j = 0; j < 32; j++) {
      let m: number;
      if (mode === 0) m = (u32() % (2 * span + 1)) - span;
      else if (mode === 1) {
        m = 0;
        for (let t = 0; t < 4; t++) m += (u32() % span) - Math.floor(span / 2);
      } else if (mode === 2) m = (u32() % span) + 1;
      else if (mode === 3) m = 0 - (u32() % span); // +0, not -0, as Python's int arithmetic gives
      else if (mode === 4) {
        const r = u32();
        m = r % 8 === 0 ? (u32() % (2 * span + 1)) - span : 0;
      } else if (mode === 5) {
        const small = Math.floor(span / 16);
        m = (u32() % (small * 2 + 1)) - small;
        if (j === outlier) m = u32() % 2 ? span : -span;
      } else {
        const r = u32();
        let octave = 0;
        if (mode === 6) octave = u32() % 8;
        else {
          const g = u32();
          while (octave < 20 && g & (1 << octave)) octave++;
        }
        const sig = 0x800000 | (r & 0x7fffff);
        out[b + j] = (r & 0x80000000 ? -sig : sig) * 2 ** (top - octave - 24);
        continue;
      }
      out[b + j] = m * pow;
    }
  }
  return out;
}

const manifest = JSON.parse(readFileSync(golden('manifest.json'), 'utf8')) as Manifest;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const files = new Map<string, Uint8Array>();
function file(name: string): Uint8Array {
  let bytes = files.get(name);
  if (!bytes) files.set(name, (bytes = new Uint8Array(readFileSync(golden(name)))));
  return bytes;
}
const bytesOf = (name: string, s: Span) => file(name).slice(s.offset, s.offset + s.bytes);
const floatsOf = (name: string, s: Span) => new Float32Array(bytesOf(name, s).buffer);
let bulkCache: Float32Array | undefined;
function bulk(): Float32Array {
  if (!bulkCache) {
    const values = bulkValues(manifest.bulk.seed, manifest.bulk.elements);
    expect(sha256(new Uint8Array(values.buffer)), 'the bulk inputs').toBe(manifest.bulk.values_sha256);
    bulkCache = values;
  }
  return bulkCache;
}
const inputs = new Map(manifest.inputs.matrices.map((m) => [m.name, m]));

/** '' when equal, else where the first difference is (element or byte, its block) and how many differ. */
function firstDifference(actual: Uint8Array | Uint32Array, expected: Uint8Array | Uint32Array, unit: number, what: string): string {
  if (actual.length !== expected.length) return `${what}: length ${actual.length} != ${expected.length}`;
  let first = -1;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return '';
  return `${what}: ${count} of ${actual.length} differ; first at ${first} (block ${Math.floor(first / unit)}): ${actual[first]} != ${expected[first]}`;
}
const bits = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);

describe('golden files', () => {
  it('are the files the manifest lists, made by llama.cpp from node-llama-cpp 3.21.1', () => {
    expect(manifest.llama_cpp.build_metadata.buildOptions.llamaCpp.release).toBe('v0.4.0');
    expect(sha256(file(manifest.inputs.file))).toBe(manifest.inputs.sha256);
    for (const type of QUANT_TYPES) {
      const f = manifest.formats[type];
      expect(sha256(file(f.file)), f.file).toBe(f.sha256);
      expect([f.block_elements, f.block_bytes], type).toEqual([QUANT_FORMATS[type].blockElements, QUANT_FORMATS[type].blockBytes]);
    }
    expect(Object.keys(manifest.formats).sort()).toEqual([...QUANT_TYPES].sort());
  });
});

describe.each(QUANT_TYPES.map((t) => [t] as const))('%s against llama.cpp', (type) => {
  const f = manifest.formats[type];
  const { blockElements, blockBytes } = QUANT_FORMATS[type];

  it.each(f.cases.map((c) => [`${c.rows}x${c.cols}`, c] as const))('quantizeRow %s: the bytes of ggml_quantize_chunk', (_shape, c) => {
    const input = inputs.get(c.input)!;
    const x = floatsOf(manifest.inputs.file, input);
    expect(sha256(bytesOf(f.file, c.quantized))).toBe(c.quantized.sha256);
    const expected = bytesOf(f.file, c.quantized);
    const rowBytes = (c.cols / blockElements) * blockBytes;
    // Row by row, so a failure names the row and its kinds of data.
    for (let r = 0; r < c.rows; r++) {
      const out = new Uint8Array(rowBytes);
      expect(quantizeRow(type, x.subarray(r * c.cols, (r + 1) * c.cols), out, c.cols)).toBe(rowBytes);
      const diff = firstDifference(out, expected.subarray(r * rowBytes, (r + 1) * rowBytes), blockBytes, `row ${r} (${input.kinds[r]!.join(', ')})`);
      expect(diff).toBe('');
    }
    expect(quantize(type, x, c.rows, c.cols)).toEqual(expected);
  });

  it.each(f.cases.map((c) => [`${c.rows}x${c.cols}`, c] as const))('dequantizeRow %s: the float bits of dequantize_row', (_shape, c) => {
    const q = bytesOf(f.file, c.quantized);
    const expected = floatsOf(f.file, c.dequantized);
    const out = new Float32Array(c.rows * c.cols);
    dequantizeRow(type, q, out, c.rows * c.cols);
    expect(firstDifference(bits(out), bits(expected), blockElements, 'dequantized')).toBe('');
    expect(bits(dequantize(type, q, c.rows, c.cols))).toEqual(bits(expected));
  });

  it('dequantizeRow of random block bytes (every scale and quant pattern): the float bits of dequantize_row', () => {
    const r = f.random_blocks;
    const q = bytesOf(f.file, r.blocks);
    const expected = floatsOf(f.file, r.dequantized);
    const out = new Float32Array(r.cols);
    dequantizeRow(type, q, out, r.cols);
    expect(firstDifference(bits(out), bits(expected), blockElements, 'dequantized')).toBe('');
  });

  it(`bulk: ${manifest.bulk.elements} values of every shape and scale, quantized and dequantized, hash for hash`, () => {
    const x = bulk();
    const q = new Uint8Array((x.length / blockElements) * blockBytes);
    quantizeRow(type, x, q, x.length);
    const out = new Float32Array(x.length);
    dequantizeRow(type, q, out, x.length);
    const deq = new Uint8Array(out.buffer);
    const chunk = manifest.bulk.chunk_elements;
    // Chunk hashes first, so a failure says where (elements [i·chunk, (i+1)·chunk)).
    const chunksOf = (b: Uint8Array, size: number) => Array.from({ length: b.length / size }, (_, i) => sha256(b.subarray(i * size, (i + 1) * size)).slice(0, 16));
    expect(chunksOf(q, (chunk / blockElements) * blockBytes)).toEqual(f.bulk.quantized_chunks);
    expect(sha256(q)).toBe(f.bulk.quantized_sha256);
    expect(chunksOf(deq, chunk * 4)).toEqual(f.bulk.dequantized_chunks);
    expect(sha256(deq)).toBe(f.bulk.dequantized_sha256);
  });
});
