// Each op on inputs small enough to work out by hand; the expected values are written out below.
import { describe, expect, it } from 'vitest';
import { bits, cpu, f32, i32, list } from '../test-helpers.js';

const LN2 = Math.log(2);

describe('embedding', () => {
  it('gathers rows for float32, float16 and bfloat16 weights', () => {
    expect(list(cpu.embedding(f32([1, 2, 3, 4, 5, 6], [3, 2]), i32([2, 0], [1, 2])))).toEqual([5, 6, 1, 2]);
    // 1.5 is 0x3e00 in float16 and 0x3fc0 in bfloat16; -2 is 0xc000 and 0xc000.
    const half = cpu.embedding(bits([0x3e00, 0xc000], [2, 1], 'float16'), i32([1, 0, 1]));
    expect(half.shape).toEqual([3, 1]);
    expect(list(half)).toEqual([-2, 1.5, -2]);
    expect(list(cpu.embedding(bits([0x3fc0, 0xc000], [2, 1], 'bfloat16'), i32([0])))).toEqual([1.5]);
  });
  it('names ids outside the vocabulary', () => {
    expect(() => cpu.embedding(f32([1, 2], [2, 1]), i32([2]))).toThrow(/embedding: ids\[0\] = 2 is outside the vocabulary \[0, 2\)/);
  });
});

describe('rmsNorm', () => {
  it('x / sqrt(mean(x²) + eps) * weight', () => {
    // mean(9, 16) = 12.5
    const out = list(cpu.rmsNorm(f32([3, 4, 0, 0], [2, 2]), f32([1, 2]), 0.5));
    expect(out[0]).toBeCloseTo(3 / Math.sqrt(13), 6);
    expect(out[1]).toBeCloseTo(8 / Math.sqrt(13), 6);
    expect(out.slice(2)).toEqual([0, 0]);
  });
});

describe('linear', () => {
  it('x·Wᵀ + b with float32, float16 and bfloat16 weights', () => {
    const x = f32([1, 2, -1, 0.5], [2, 2]);
    const expected = [1.5, 2, 2, -0.5, 0.5, -1.5];
    expect(list(cpu.linear(x, f32([1, 0, 0, 1, 1, 1], [3, 2]), f32([0.5, 0, -1])))).toEqual(expected);
    // 1 = 0x3c00 (f16) = 0x3f80 (bf16); 0.5 = 0x3800 / 0x3f00; -1 = 0xbc00 / 0xbf80.
    expect(list(cpu.linear(x, bits([0x3c00, 0, 0, 0x3c00, 0x3c00, 0x3c00], [3, 2], 'float16'), bits([0x3800, 0, 0xbc00], [3], 'float16')))).toEqual(expected);
    expect(list(cpu.linear(x, bits([0x3f80, 0, 0, 0x3f80, 0x3f80, 0x3f80], [3, 2], 'bfloat16'), bits([0x3f00, 0, 0xbf80], [3], 'bfloat16')))).toEqual(expected);
    expect(cpu.linear(f32([1, 2], [1, 1, 2]), f32([1, 1], [1, 2])).shape).toEqual([1, 1, 1]);
  });
});

describe('rope', () => {
  it('rotates (x1, x2) by position · invFreq and scales cos/sin by attentionScaling', () => {
    // headDim 4: pairs (0, 2) and (1, 3); invFreq [1, 0.5]; two heads; position 0 then 2.
    const x = f32([1, 0, 0, 2, 3, 0, 0, 0, 1, 0, 0, 2, 3, 0, 0, 0], [1, 2, 8]);
    const out = list(cpu.rope(x, i32([0, 2], [1, 2]), f32([1, 0.5]), { numHeads: 2, headDim: 4, attentionScaling: 2 }));
    // Position 0: cos 1, sin 0, times 2.
    expect(out.slice(0, 8)).toEqual([2, 0, 0, 4, 6, 0, 0, 0]);
    // Position 2, head 0: pair 0 is (1, 0) at angle 2 -> 2(cos 2, sin 2); pair 1 is (0, 2) at angle 1 -> 2(-2 sin 1, 2 cos 1).
    const [c2, s2, c1, s1] = [Math.cos(2), Math.sin(2), Math.cos(1), Math.sin(1)];
    const head0 = [2 * c2, -4 * s1, 2 * s2, 4 * c1];
    const head1 = [6 * c2, 0, 6 * s2, 0];
    out.slice(8).forEach((v, i) => expect(v).toBeCloseTo([...head0, ...head1][i]!, 6));
  });
  it('computes the angle in float32 as transformers does', () => {
    // Near position 1e6 the float32 product is off from the exact one by up to 4e-3 rad: take the
    // position in 1e6 .. 1e6+63 where the difference shows most.
    const invFreq = Math.fround(0.1);
    const gap = (p: number): number => Math.abs(Math.cos(Math.fround(p * invFreq)) - Math.cos(p * invFreq));
    let position = 1_000_000;
    for (let p = position; p < 1_000_064; p++) if (gap(p) > gap(position)) position = p;
    expect(gap(position)).toBeGreaterThan(1e-3);
    const angle32 = Math.fround(position * invFreq);
    const out = list(cpu.rope(f32([1, 0], [1, 1, 2]), i32([position], [1, 1]), f32([invFreq]), { numHeads: 1, headDim: 2, attentionScaling: 1 }));
    expect(out[0]).toBeCloseTo(Math.cos(angle32), 6);
    expect(out[1]).toBeCloseTo(Math.sin(angle32), 6);
  });
});

describe('kvWrite', () => {
  it('writes [B, S, kvHeads·headDim] into [B, kvHeads, maxLength, headDim] at the offset', () => {
    const cache = cpu.zeros([1, 2, 4, 1], 'float32');
    cpu.kvWrite(cache, f32([1, 2, 3, 4], [1, 2, 2]), 1);
    // kv head 0 gets 1 (s=0), 3 (s=1); kv head 1 gets 2, 4; at slots 1 and 2.
    expect(list(cache)).toEqual([0, 1, 3, 0, 0, 2, 4, 0]);
    expect(() => cpu.kvWrite(cache, f32([1, 2, 3, 4], [1, 2, 2]), 3)).toThrow(/kvWrite: offset must be an integer in \[0, 2\] \(src's 2 new slots within the cache's maxLength 4\), got 3/);
  });
});

describe('attention', () => {
  // One head, headDim 1, q = 1, keys 0 and ln 2 (probabilities 1/3, 2/3), values 3 and 6.
  const q = (values: number[]) => f32(values, [1, values.length, 1]);
  const k = f32([0, LN2, 0], [1, 1, 3, 1]);
  const v = f32([3, 6, 100], [1, 1, 3, 1]);
  const options = { numHeads: 1, numKvHeads: 1, headDim: 1, scale: 1 };

  it('weights the values by softmax(q·k · scale) over the first kvLength slots', () => {
    expect(list(cpu.attention(q([1]), k, v, { ...options, kvLength: 2 }))[0]).toBeCloseTo(5, 6);
    expect(list(cpu.attentionWeights(q([1]), k, { ...options, kvLength: 2 })).map((p) => +p.toFixed(6))).toEqual([0.333333, 0.666667]);
  });
  it('is causal: query s sits at slot kvLength - S + s', () => {
    const out = list(cpu.attention(q([1, 1]), k, v, { ...options, kvLength: 2 }));
    expect(out[0]).toBe(3); // sees slot 0 only
    expect(out[1]).toBeCloseTo(5, 6);
    expect(list(cpu.attentionWeights(q([1, 1]), k, { ...options, kvLength: 2 })).map((p) => +p.toFixed(6))).toEqual([1, 0, 0.333333, 0.666667]);
  });
  it('applies the padding mask (float32 or int32) and gives zeros when nothing is visible', () => {
    expect(list(cpu.attention(q([1]), k, v, { ...options, kvLength: 2, mask: f32([0, 1], [1, 2]) }))).toEqual([6]);
    expect(list(cpu.attention(q([1, 1]), k, v, { ...options, kvLength: 2, mask: i32([0, 1], [1, 2]) }))).toEqual([0, 6]);
    expect(list(cpu.attentionWeights(q([1, 1]), k, { ...options, kvLength: 2, mask: i32([0, 1], [1, 2]) }))).toEqual([0, 0, 0, 1]);
  });
  it('maps query head h to kv head floor(h / (numHeads / numKvHeads))', () => {
    // 4 query heads, 2 kv heads with constant values 10 and 20: heads 0, 1 read 10; heads 2, 3 read 20.
    const kCache = f32([0, 0, 0, 0], [1, 2, 1, 2]);
    const vCache = f32([10, 10, 20, 20], [1, 2, 1, 2]);
    const out = list(cpu.attention(f32(new Array(8).fill(1), [1, 1, 8]), kCache, vCache, { numHeads: 4, numKvHeads: 2, headDim: 2, kvLength: 1, scale: 1 }));
    expect(out).toEqual([10, 10, 10, 10, 20, 20, 20, 20]);
  });
});

describe('siluMul, add, softmax', () => {
  it('silu(gate) * up', () => {
    const out = list(cpu.siluMul(f32([0, 1, -1]), f32([5, 2, 1])));
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(2 / (1 + Math.exp(-1)), 6);
    expect(out[2]).toBeCloseTo(-1 / (1 + Math.E), 6);
  });
  it('a + b', () => {
    expect(list(cpu.add(f32([1, 2], [1, 2]), f32([0.5, -2], [1, 2])))).toEqual([1.5, 0]);
  });
  it('softmax over the last dimension, stable for large values', () => {
    const out = list(cpu.softmax(f32([0, LN2, 1000, 1000], [2, 2])));
    expect(out[0]).toBeCloseTo(1 / 3, 7);
    expect(out[1]).toBeCloseTo(2 / 3, 7);
    expect(out.slice(2)).toEqual([0.5, 0.5]);
  });
});

describe('argmax and topk', () => {
  it('argmax takes the first of equal maxima', () => {
    expect(list(cpu.argmax(f32([1, 3, 3, 2, 9, 0, 9, 9], [2, 4])))).toEqual([1, 0]);
  });
  it('topk is descending with the lower index first on ties', () => {
    const { values, indices } = cpu.topk(f32([1, 3, 3, 2], [1, 4]), 3);
    expect(values.shape).toEqual([1, 3]);
    expect(list(values)).toEqual([3, 3, 2]);
    expect(list(indices)).toEqual([1, 2, 3]);
    expect(cpu.topk(f32([1, 2]), 0).values.shape).toEqual([0]);
  });
  it('topk for large k (the sorting path) keeps the same order', () => {
    const row = Array.from({ length: 300 }, (_, i) => (i * 7) % 10); // many ties
    const { values, indices } = cpu.topk(f32(row), 200);
    const expected = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 200);
    expect(list(values)).toEqual(expected.map(([v]) => v));
    expect(list(indices)).toEqual(expected.map(([, i]) => i));
  });
});

describe('cast', () => {
  it('float32 -> float16 rounds to nearest, ties to even, with overflow and subnormals', () => {
    const inputs = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, -(2 ** -25), 1.5 * 2 ** -25, 2 ** -24];
    expect(list(cpu.cast(f32(inputs), 'float16'))).toEqual([0x3c00, 0x3c02, 0x7bff, 0x7c00, 0x8000, 0x0001, 0x0001]);
  });
  it('float32 -> bfloat16 rounds to nearest, ties to even', () => {
    expect(list(cpu.cast(f32([1 + 2 ** -8, 1 + 3 * 2 ** -8, -1]), 'bfloat16'))).toEqual([0x3f80, 0x3f82, 0xbf80]);
  });
  it('int32 -> bfloat16 goes through float32, as torch does', () => {
    // 2^24 + 2^16 + 1 is not a float32: it rounds (tie, to even) to 2^24 + 2^16, which is the tie between
    // bfloat16 2^24 (0x4b80) and 2^24 + 2^17 (0x4b81) and rounds to even, 0x4b80. Rounding the integer
    // once would give 0x4b81; torch builds a BFloat16 from a float and gives 0x4b80.
    expect(list(cpu.cast(i32([2 ** 24 + 2 ** 16 + 1, 2 ** 24 + 2 ** 17 + 2 ** 16 + 2]), 'bfloat16'))).toEqual([0x4b80, 0x4b82]);
  });
  it('float -> int32 truncates toward zero, NaN -> 0, saturates', () => {
    expect(list(cpu.cast(f32([2.7, -2.7, NaN, 3e9, -3e9]), 'int32'))).toEqual([2, -2, 0, 2147483647, -2147483648]);
    expect(list(cpu.cast(bits([0x3e00, 0xc100], [2], 'float16'), 'int32'))).toEqual([1, -2]);
  });
  it('widens float16 / bfloat16 exactly and converts int32 to float32', () => {
    expect(list(cpu.cast(bits([0x3e00, 0x0001, 0x7c00], [3], 'float16'), 'float32'))).toEqual([1.5, 2 ** -24, Infinity]);
    expect(list(cpu.cast(bits([0x3fc0, 0xff80], [2], 'bfloat16'), 'float32'))).toEqual([1.5, -Infinity]);
    expect(list(cpu.cast(i32([16777217, -3]), 'float32'))).toEqual([16777216, -3]);
  });
});
