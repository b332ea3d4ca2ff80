// One block of each format built by hand, with the values it encodes worked out from the format definition
// (ggml-common.h's block layouts), independently of the decoder; and small quantizations worked out by hand.
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { GGML_BLOCK } from '../gguf/constants.js';
import { QUANT_FORMATS, QUANT_TYPES, dequantize, dequantizeRow, quantByteLength, quantFormat, quantize, quantizeRow } from './index.js';

const decode = (type: Parameters<typeof dequantizeRow>[0], bytes: number[], n: number) => Array.from(dequantizeRow(type, new Uint8Array(bytes), new Float32Array(n), n));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** qs[j] = j | (15 - j) << 4: low nibbles 0..15, high nibbles 15..0. */
const nibbles = range(16).map((j) => j | ((15 - j) << 4));

describe('one hand-made block per format', () => {
  it('Q4_0: d = 0.5 (0x3800); x = (q - 8)·d, low nibbles are elements 0-15, high nibbles 16-31', () => {
    expect(decode('Q4_0', [0x00, 0x38, ...nibbles], 32)).toEqual([
      -4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5,
      3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4,
    ]);
  });

  it('Q4_1: d = 0.25 (0x3400), m = -1 (0xbc00); x = q·d + m', () => {
    expect(decode('Q4_1', [0x00, 0x34, 0x00, 0xbc, ...nibbles], 32)).toEqual([
      -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75,
      2.75, 2.5, 2.25, 2, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0, -0.25, -0.5, -0.75, -1,
    ]);
  });

  // qh = f0 00 01 80 little-endian = 0x800100f0: the fifth bit of elements 4, 5, 6, 7, 16 and 31.
  const qh = [0xf0, 0x00, 0x01, 0x80];
  it('Q5_0: d = 1 (0x3c00), qh 0x800100f0; x = (q - 16)·d with bit j of qh the fifth bit of element j', () => {
    expect(decode('Q5_0', [0x00, 0x3c, ...qh, ...nibbles], 32)).toEqual([
      -16, -15, -14, -13, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1,
      15, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, 0,
    ]);
  });

  it('Q5_1: d = 0.5 (0x3800), m = 2 (0x4000), qh 0x800100f0; x = q·d + m', () => {
    expect(decode('Q5_1', [0x00, 0x38, 0x00, 0x40, ...qh, ...nibbles], 32)).toEqual([
      2, 2.5, 3, 3.5, 12, 12.5, 13, 13.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5,
      17.5, 9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5, 4, 3.5, 3, 2.5, 10,
    ]);
  });

  it('Q8_0: d = 0.125 (0x3000); x = q·d with q signed bytes', () => {
    const q = [-128, -127, -64, -9, -8, -1, 0, 1, 2, 7, 8, 9, 63, 64, 100, 127, 5, -5, 16, -16, 24, -24, 31, -31, 32, -32, 40, -40, 99, -99, 126, -126];
    expect(decode('Q8_0', [0x00, 0x30, ...q.map((v) => v & 0xff)], 32)).toEqual([
      -16, -15.875, -8, -1.125, -1, -0.125, 0, 0.125, 0.25, 0.875, 1, 1.125, 7.875, 8, 12.5, 15.875,
      0.625, -0.625, 2, -2, 3, -3, 3.875, -3.875, 4, -4, 5, -5, 12.375, -12.375, 15.75, -15.75,
    ]);
  });

  // Q4_K and Q5_K: eight sub-blocks of 32 with 6-bit scales sc[s] and mins m[s], packed in 12 bytes: bytes 0-3 hold sc[0..3]
  // and 4-7 hold m[0..3] in their low 6 bits; bytes 8-11 hold the low nibbles of sc[4..7] (low) and m[4..7] (high),
  // whose top two bits sit in the top bits of bytes 0-3 (sc) and 4-7 (m). x = d·sc·q - dmin·m.
  const sc = [1, 2, 3, 63, 17, 33, 48, 5];
  const mn = [0, 1, 10, 63, 16, 32, 1, 62];
  // sc[4] = 17 = 01 0001, sc[5] = 33 = 10 0001, sc[6] = 48 = 11 0000, sc[7] = 5 = 00 0101;
  // m[4] = 16 = 01 0000, m[5] = 32 = 10 0000, m[6] = 1 = 00 0001, m[7] = 62 = 11 1110.
  const scales12 = [0x41, 0x82, 0xc3, 0x3f, 0x40, 0x81, 0x0a, 0xff, 0x01, 0x01, 0x10, 0xe5];
  // qs: four groups of 32 bytes; group g holds sub-block 2g in its low nibbles and 2g+1 in its high nibbles.
  const qs128 = range(128).map((i) => (i & 15) | ((15 - (i & 15)) << 4));
  const d = 0.5; // 0x3800
  const dmin = 0.25; // 0x3400

  it('Q4_K: d 0.5, dmin 0.25, 6-bit scales/mins, 4-bit q', () => {
    const expected = range(256).map((e) => {
      const s = e >> 5; // sub-block
      const l = e & 31;
      const q = s % 2 === 0 ? l & 15 : 15 - (l & 15);
      return d * sc[s]! * q - dmin * mn[s]!;
    });
    const got = decode('Q4_K', [0x00, 0x38, 0x00, 0x34, ...scales12, ...qs128], 256);
    expect(got).toEqual(expected);
    // A few worked out fully: sub-block 0 has sc 1, m 0; sub-block 1 sc 2, m 1; sub-block 7 sc 5, m 62.
    expect([got[0], got[1], got[32], got[63], got[224], got[255]]).toEqual([0, 0.5, 14.75, -0.25, 37.5 - 15.5, -15.5]);
  });

  it('Q5_K: as Q4_K with a fifth bit of q: bit s of qh[l] for element l of sub-block s', () => {
    const qh32 = range(32).map((l) => (l * 37 + 11) & 0xff);
    const expected = range(256).map((e) => {
      const s = e >> 5;
      const l = e & 31;
      const q = (s % 2 === 0 ? l & 15 : 15 - (l & 15)) + ((qh32[l]! >> s) & 1) * 16;
      return d * sc[s]! * q - dmin * mn[s]!;
    });
    const got = decode('Q5_K', [0x00, 0x38, 0x00, 0x34, ...scales12, ...qh32, ...qs128], 256);
    expect(got).toEqual(expected);
    // qh[0] = 11 = 0000 1011: sub-blocks 0, 1, 3 of element 0 have the fifth bit.
    expect([got[0], got[32], got[64], got[96]]).toEqual([0.5 * 1 * 16, 0.5 * 2 * 31 - 0.25, 0.5 * 3 * 0 - 2.5, 0.5 * 63 * 31 - 15.75]);
  });

  it('Q6_K: d 0.0625, int8 scales per 16 elements, q = 4 low bits (ql) + 2 high bits (qh), x = d·sc·(q - 32)', () => {
    // Element e: half n = e >> 7, quarter t = (e >> 5) & 3, l = e & 31. Low bits: nibble (t >> 1) of ql[64n + 32(t & 1) + l];
    // high bits: bits 2t, 2t+1 of qh[32n + l]; scale: scales[e >> 4].
    const ql = range(128).map((i) => (i * 7 + 3) & 0xff);
    const qhs = range(64).map((i) => (i * 29 + 5) & 0xff);
    const scales = [1, -1, 2, -2, 127, -128, 0, 3, 4, 5, -6, 7, 8, -9, 10, 11];
    const expected = range(256).map((e) => {
      const n = e >> 7, t = (e >> 5) & 3, l = e & 31;
      const low = (ql[64 * n + 32 * (t & 1) + l]! >> (4 * (t >> 1))) & 15;
      const high = (qhs[32 * n + l]! >> (2 * t)) & 3;
      return 0.0625 * scales[e >> 4]! * (low + 16 * high - 32);
    });
    const got = decode('Q6_K', [...ql, ...qhs, ...scales.map((s) => s & 0xff), 0x00, 0x2c], 256);
    expect(got).toEqual(expected);
    // Element 0: ql[0] = 3, qh[0] = 5 -> q = 3 + 16·1 = 19, scale 1: 0.0625·(19 - 32).
    // Element 80 (scale -128): t = 2, l = 16: ql[16] = 115 = 0x73 -> 7, qh[16] = 469 & 255 = 0xd5 -> bits 4-5 = 01 -> q = 23.
    expect([got[0], got[80]]).toEqual([0.0625 * -13, 0.0625 * -128 * (23 - 32)]);
  });
});

describe('small quantizations worked out by hand', () => {
  it('Q8_0: amax 127 gives d = 1; q = roundf(x), halves away from zero', () => {
    const x = new Float32Array([...range(31).map((j) => j - 15.5), 127]);
    const out = new Uint8Array(34);
    expect(quantizeRow('Q8_0', x, out, 32)).toBe(34);
    // -15.5 -> -16, ..., -0.5 -> -1, 0.5 -> 1, ..., 14.5 -> 15, 127.
    const q = [...range(16).map((j) => j - 16), ...range(15).map((j) => j + 1), 127];
    expect(Array.from(out)).toEqual([0x00, 0x3c, ...q.map((v) => v & 0xff)]);
  });

  it('Q4_0: the largest magnitude is -8, so d = 1 and q = x + 8', () => {
    const x = new Float32Array(range(32).map((j) => (j % 16) - 8));
    const out = new Uint8Array(18);
    quantizeRow('Q4_0', x, out, 32);
    expect(Array.from(out)).toEqual([0x00, 0x3c, ...range(16).map((j) => j | (j << 4))]);
  });

  it('Q4_1: min -1, max 14 give d = 1, m = -1 and q = x + 1', () => {
    const x = new Float32Array(range(32).map((j) => (j % 16) - 1));
    const out = new Uint8Array(20);
    quantizeRow('Q4_1', x, out, 32);
    expect(Array.from(out)).toEqual([0x00, 0x3c, 0x00, 0xbc, ...range(16).map((j) => j | (j << 4))]);
  });

  it('every format: a row of zeros, and back to zeros', () => {
    const zeros = (n: number) => new Array<number>(n).fill(0);
    // Q4_0/Q5_0: d = 0 / -8 = -0 (half 0x8000) and q = trunc(0 + 8.5) = 8, trunc(0 + 16.5) = 16 (fifth bit set);
    // Q4_1/Q5_1: d = 0, m = 0, q = trunc(0.5) = 0; Q8_0: q = roundf(0) = 0; the K formats: all zero.
    const expected: Record<string, number[]> = {
      Q4_0: [0x00, 0x80, ...new Array<number>(16).fill(0x88)],
      Q4_1: zeros(20),
      Q5_0: [0x00, 0x80, 0xff, 0xff, 0xff, 0xff, ...zeros(16)],
      Q5_1: zeros(24),
      Q8_0: zeros(34),
      Q4_K: zeros(144),
      Q5_K: zeros(176),
      Q6_K: zeros(210),
    };
    for (const type of QUANT_TYPES) {
      const { blockElements } = QUANT_FORMATS[type];
      const q = quantize(type, new Float32Array(2 * blockElements), 2, blockElements);
      expect(Array.from(q), type).toEqual([...expected[type]!, ...expected[type]!]);
      // (q - 8)·(-0), (q - 16)·(-0) and Q6_K's 0·0·(0 - 32) are -0, as in C.
      const zero = type === 'Q4_0' || type === 'Q5_0' || type === 'Q6_K' ? -0 : 0;
      expect(Array.from(dequantize(type, q, 2, blockElements)), type).toEqual(new Array<number>(2 * blockElements).fill(zero));
    }
  });
});

describe('formats and arguments', () => {
  it('takes the geometry from GGML_BLOCK, and either spelling of the type', () => {
    for (const type of QUANT_TYPES) {
      expect(QUANT_FORMATS[type].blockElements).toBe(GGML_BLOCK[type].blockElements);
      expect(QUANT_FORMATS[type].blockBytes).toBe(GGML_BLOCK[type].blockBytes);
      expect(quantFormat(type.toLowerCase())).toBe(QUANT_FORMATS[type]);
    }
    expect(quantByteLength('Q4_K', 512)).toBe(288);
    expect(quantByteLength('q8_0', 96)).toBe(102);
  });

  it('refuses a type that is not a block format, naming the argument', () => {
    for (const type of ['F32', 'F16', 'BF16', 'Q4_k', 'Q2_K', '']) {
      expect(() => quantFormat(type), type).toThrow(ArgumentError);
      expect(() => dequantizeRow(type as 'Q4_0', new Uint8Array(18), new Float32Array(32), 32), type).toThrow(/^type: /);
    }
  });

  it('refuses n that is not a whole number of blocks', () => {
    for (const [type, n] of [['Q4_0', 16], ['Q8_0', 33], ['Q4_K', 32], ['Q6_K', 255], ['Q5_K', -256], ['Q5_0', 32.5]] as const) {
      expect(() => dequantizeRow(type, new Uint8Array(1024), new Float32Array(1024), n), `${type} ${n}`).toThrow(ArgumentError);
      expect(() => dequantizeRow(type, new Uint8Array(1024), new Float32Array(1024), n)).toThrow(/^n: .*multiple of/);
      expect(() => quantizeRow(type, new Float32Array(1024), new Uint8Array(1024), n)).toThrow(/^n: .*multiple of/);
    }
  });

  it('refuses buffers too short, naming src or out', () => {
    expect(() => dequantizeRow('Q4_K', new Uint8Array(143), new Float32Array(256), 256)).toThrow(/^src: needs 144 bytes/);
    expect(() => dequantizeRow('Q4_K', new Uint8Array(144), new Float32Array(255), 256)).toThrow(/^out: needs 256 floats/);
    expect(() => quantizeRow('Q8_0', new Float32Array(63), new Uint8Array(68), 64)).toThrow(/^src: needs 64 floats/);
    expect(() => quantizeRow('Q8_0', new Float32Array(64), new Uint8Array(67), 64)).toThrow(/^out: needs 68 bytes/);
    expect(() => quantizeRow('Q6_K', new Float32Array(256), new Uint8Array(209), 256)).toThrow(ArgumentError);
    // Longer buffers are fine: only the first n elements / blocks are used.
    const out = new Float32Array(64).fill(7);
    dequantizeRow('Q8_0', new Uint8Array(68), out, 32);
    expect(out[31]).toBe(0);
    expect(out[32]).toBe(7);
  });

  it('dequantize/quantize of a matrix check rows, cols and the byte and value counts', () => {
    expect(() => dequantize('Q4_0', new Uint8Array(36), 2, 48)).toThrow(/^cols: /);
    expect(() => dequantize('Q4_0', new Uint8Array(35), 2, 32)).toThrow(/^bytes: \[2, 32\] Q4_0 is 36 bytes, got 35/);
    expect(() => dequantize('Q4_0', new Uint8Array(37), 2, 32)).toThrow(/^bytes: /);
    expect(() => dequantize('Q4_0', new Uint8Array(0), -1, 32)).toThrow(/^rows: /);
    expect(() => quantize('Q4_K', new Float32Array(255), 1, 256)).toThrow(/^values: /);
    expect(() => quantize('Q4_K', new Float32Array(256), 1, 128)).toThrow(/^cols: /);
    expect(dequantize('Q4_K', new Uint8Array(0), 0, 256)).toEqual(new Float32Array(0));
  });
});
