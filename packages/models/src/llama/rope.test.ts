// RoPE tables against independent closed forms (float64 here, so compared with a float32 tolerance).
import { LlamaConfig } from '@cria/config';
import { describe, expect, it } from 'vitest';
import { computeRope } from './rope.js';

const base = { hidden_size: 64, num_attention_heads: 4, rope_theta: 10000, max_position_embeddings: 64 };
const plain = (i: number, dim = 16, theta = 10000) => 1 / theta ** ((2 * i) / dim);

function expectTable(actual: Float32Array, expected: (i: number) => number) {
  actual.forEach((x, i) => expect(x / expected(i)).toBeCloseTo(1, 5));
}

describe('computeRope', () => {
  it('default: 1 / theta^(2i/d)', () => {
    const t = computeRope(LlamaConfig.from_dict(base));
    expect(t.invFreq).toHaveLength(8);
    expectTable(t.invFreq, (i) => plain(i));
    expect(t.attentionScaling).toBe(1);
  });

  it('linear: divided by factor', () => {
    expectTable(computeRope(LlamaConfig.from_dict({ ...base, rope_scaling: { type: 'linear', factor: 4 } })).invFreq, (i) => plain(i) / 4);
  });

  it('dynamic: the base grows only past max_position_embeddings', () => {
    const config = LlamaConfig.from_dict({ ...base, max_position_embeddings: 16, rope_scaling: { type: 'dynamic', factor: 2 } });
    expectTable(computeRope(config, 10).invFreq, (i) => plain(i));
    const theta = 10000 * ((2 * 24) / 16 - 1) ** (16 / 14);
    expectTable(computeRope(config, 24).invFreq, (i) => plain(i, 16, theta));
  });

  it('llama3: low frequencies divided by factor, high kept, the band between smoothed', () => {
    const scaling = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };
    const t = computeRope(LlamaConfig.from_dict({ ...base, rope_scaling: scaling })).invFreq;
    for (let i = 0; i < 8; i++) {
      const f = plain(i);
      const wavelen = (2 * Math.PI) / f;
      let expected: number;
      if (wavelen < 64 / 4) expected = f;
      else if (wavelen > 64) expected = f / 8;
      else {
        const smooth = (64 / wavelen - 1) / (4 - 1);
        expected = (1 - smooth) * (f / 8) + smooth * f;
      }
      expect(t[i]! / expected).toBeCloseTo(1, 5);
    }
  });

  it('yarn: attention scaling 0.1 ln(factor) + 1, frequencies between interpolation and extrapolation', () => {
    const t = computeRope(LlamaConfig.from_dict({ ...base, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 64 } }));
    expect(t.attentionScaling).toBeCloseTo(0.1 * Math.log(4) + 1, 10);
    t.invFreq.forEach((x, i) => {
      expect(x).toBeLessThanOrEqual(plain(i) * (1 + 1e-6));
      expect(x).toBeGreaterThanOrEqual((plain(i) / 4) * (1 - 1e-6));
    });
    expect(t.invFreq[0]! / plain(0)).toBeCloseTo(1, 5); // the fastest rotation is extrapolated
  });

  it('longrope: short factors within the original length, long ones beyond', () => {
    const scaling = { rope_type: 'longrope', short_factor: Array(8).fill(1), long_factor: Array(8).fill(2), original_max_position_embeddings: 32 };
    const config = LlamaConfig.from_dict({ ...base, rope_scaling: scaling });
    expectTable(computeRope(config, 16).invFreq, (i) => plain(i));
    const long = computeRope(config, 48);
    expectTable(long.invFreq, (i) => plain(i) / 2);
    expect(long.attentionScaling).toBeCloseTo(Math.sqrt(1 + Math.log(2) / Math.log(32)), 10);
  });

  // The two examples of issue 13, with transformers 5.18's numbers.
  it("transformers 5's rope_parameters layout: linear, factor 4, theta 5e5, head_dim 8", () => {
    const config = LlamaConfig.from_dict({ hidden_size: 16, num_attention_heads: 2, rope_parameters: { rope_type: 'linear', factor: 4, rope_theta: 5e5 } });
    const t = computeRope(config).invFreq;
    [0.25, 0.009402, 0.0003536, 1.33e-5].forEach((x, i) => expect(t[i]! / x).toBeCloseTo(1, 3));
  });

  it('longrope: an explicit factor sets the attention scaling, not the ratio of context lengths', () => {
    const params = { rope_type: 'longrope', short_factor: [1, 1, 1, 1], long_factor: [2, 2, 2, 2], original_max_position_embeddings: 4, factor: 2, rope_theta: 10000 };
    const config = LlamaConfig.from_dict({ hidden_size: 16, num_attention_heads: 2, max_position_embeddings: 64, rope_parameters: params });
    expect(computeRope(config).attentionScaling).toBeCloseTo(1.2247, 4); // sqrt(1 + ln 2 / ln 4); the ratio 16 gave 1.7321
    const { factor: _, ...withoutFactor } = params;
    const ratio = LlamaConfig.from_dict({ hidden_size: 16, num_attention_heads: 2, max_position_embeddings: 64, rope_parameters: withoutFactor });
    expect(computeRope(ratio).attentionScaling).toBeCloseTo(1.7321, 4);
  });
});
