// The converting range reader: any range of any conversion gives the bytes a whole, element-by-element conversion gives.
import { DTYPE_BYTES, bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '@cria/core';
import { SeededRandom } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import type { FloatDType } from './float-conversion.js';
import { StagingBuffer, convertingRangeReader, uploadChunkBytes } from './ranged-reads.js';

const DTYPES: FloatDType[] = ['float32', 'float16', 'bfloat16'];

/** Random bit patterns of `dtype` (NaNs and infinities included), as bytes. */
function randomStored(dtype: FloatDType, count: number, random: SeededRandom): Uint8Array {
  const bytes = new Uint8Array(count * DTYPE_BYTES[dtype]);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < words.length; i++) words[i] = random.uint32();
  if (dtype === 'float32') {
    // Keep float32 finite and non-NaN: a NaN's payload through a JS number is not pinned down.
    const f = new Float32Array(bytes.buffer);
    for (let i = 0; i < f.length; i++) if (!Number.isFinite(f[i]!)) f[i] = random.symmetric(70000);
  }
  return bytes;
}

/** The naive reference: element by element through the scalar conversions of @cria/core. */
function convertNaively(bytes: Uint8Array, from: FloatDType, to: FloatDType): Uint8Array {
  if (from === to) return bytes.slice();
  const count = bytes.byteLength / DTYPE_BYTES[from];
  const values = from === 'float32'
    ? Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, count))
    : Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, count), (b) => (from === 'float16' ? float16ToFloat32(b) : bfloat16ToFloat32(b)));
  if (to === 'float32') return new Uint8Array(Float32Array.from(values).buffer);
  const narrow = to === 'float16' ? float32ToFloat16 : float32ToBfloat16;
  return new Uint8Array(Uint16Array.from(values, narrow).buffer);
}

describe('convertingRangeReader', () => {
  for (const from of DTYPES) {
    for (const to of DTYPES) {
      it(`${from} -> ${to}: ranges that cut elements and chunks give the whole conversion's bytes, reading only the covering elements`, async () => {
        const random = new SeededRandom(DTYPES.indexOf(from) * 3 + DTYPES.indexOf(to) + 1);
        const count = 301;
        let stored = randomStored(from, count, random);
        if (from !== 'float32' && to !== from) {
          // NaN bits of a 16-bit dtype are not kept bit for bit by every path: keep them out.
          const bits = new Uint16Array(stored.buffer);
          for (let i = 0; i < bits.length; i++) if (Number.isNaN(from === 'float16' ? float16ToFloat32(bits[i]!) : bfloat16ToFloat32(bits[i]!))) bits[i] = 0x3c00;
          stored = new Uint8Array(bits.buffer);
        }
        const expected = convertNaively(stored, from, to);
        const reads: [number, number][] = [];
        const readStored = async (offset: number, target: Uint8Array) => {
          reads.push([offset, target.byteLength]);
          target.set(stored.subarray(offset, offset + target.byteLength));
        };
        const readRange = convertingRangeReader(readStored, from, to, new StagingBuffer());
        for (const step of [1, 3, 7, 1000]) {
          const got = new Uint8Array(expected.byteLength);
          reads.length = 0;
          for (let offset = 0; offset < got.byteLength; offset += step) {
            const length = Math.min(step, got.byteLength - offset);
            const bytes = await readRange(offset, length);
            expect(bytes.byteLength).toBe(length);
            got.set(bytes, offset);
          }
          expect(got).toEqual(expected);
          const sb = DTYPE_BYTES[from];
          const tb = DTYPE_BYTES[to];
          if (from === to) {
            // No conversion: exactly the asked ranges, cut elements and all.
            expect(reads.every(([offset, length]) => length === Math.min(step, got.byteLength - offset) && offset % step === 0)).toBe(true);
            continue;
          }
          for (const [offset, length] of reads) {
            expect(offset % sb).toBe(0);
            // At most the elements the range touches: ceil(step / tb) + 1 of them.
            expect(length).toBeLessThanOrEqual((Math.ceil(step / tb) + 1) * sb);
          }
        }
      });
    }
  }
});

describe('uploadChunkBytes', () => {
  it('is a whole number of target elements whose stored and converted bytes both fit, at least one element', () => {
    expect(uploadChunkBytes(1000, 'float32', 'float16')).toBe(500); // 250 elements: 1000 bytes read, 500 uploaded
    expect(uploadChunkBytes(1000, 'float16', 'float32')).toBe(1000);
    expect(uploadChunkBytes(1001, 'bfloat16', 'float16')).toBe(1000);
    expect(uploadChunkBytes(1001, 'float32', 'float32')).toBe(1000);
    expect(uploadChunkBytes(3, 'float16', 'float32')).toBe(4);
    expect(uploadChunkBytes(8 << 20, 'bfloat16', 'bfloat16')).toBe(8 << 20);
  });
});

describe('StagingBuffer', () => {
  it('grows to the largest request and reuses its memory', () => {
    const staging = new StagingBuffer();
    const a = staging.take(16);
    const b = staging.take(8);
    expect(b.buffer).toBe(a.buffer);
    expect(staging.take(32).byteLength).toBe(32);
    expect(staging.byteLength).toBe(32);
  });
});
