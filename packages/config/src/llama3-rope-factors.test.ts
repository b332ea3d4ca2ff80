import { describe, expect, it } from 'vitest';
import { llama3ParametersOf, llama3RopeFactors, shortestFloat32 } from './llama3-rope-factors.js';
import type { RopeParameters } from './rope-parameters.js';

const llama31: RopeParameters = { rope_type: 'llama3', rope_theta: 500000, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
const llama32: RopeParameters = { ...llama31, factor: 32 };

describe('llama3ParametersOf', () => {
  it.each([['Llama 3.1', llama31], ['Llama 3.2', llama32]])("gives %s's rope_scaling back from its factors (head 128)", (_name, params) => {
    const factors = llama3RopeFactors({ rope_parameters: params, headDim: 128 })!;
    expect(llama3ParametersOf(factors, 500000, 128)).toEqual(params);
  });

  it('finds parameters with the same factors where several fit (low 2, high 8, 4096 is low 1, high 4, 2048)', () => {
    const params: RopeParameters = { ...llama31, low_freq_factor: 2, high_freq_factor: 8, original_max_position_embeddings: 4096, factor: 16 };
    const factors = llama3RopeFactors({ rope_parameters: params, headDim: 128 })!;
    const found = llama3ParametersOf(factors, 500000, 128)!;
    expect(found).toEqual({ ...params, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 2048 });
    expect(llama3RopeFactors({ rope_parameters: found, headDim: 128 })).toEqual(factors);
  });

  it('answers null for factors no llama3 rope gives, for all-ones factors and for a wrong length', () => {
    const factors = llama3RopeFactors({ rope_parameters: llama31, headDim: 128 })!;
    const bent = factors.slice();
    bent[40] = bent[40]! * 1.01;
    expect(llama3ParametersOf(bent, 500000, 128)).toBeNull();
    expect(llama3ParametersOf(new Float32Array(64).fill(1), 500000, 128)).toBeNull();
    expect(llama3ParametersOf(factors, 500000, 64)).toBeNull();
  });
});

describe('shortestFloat32', () => {
  it('writes a float32 value as its shortest decimal', () => {
    expect(shortestFloat32(Math.fround(1e-5))).toBe(1e-5);
    expect(shortestFloat32(Math.fround(1e-6))).toBe(1e-6);
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(500000)).toBe(500000);
    expect(shortestFloat32(0)).toBe(0);
  });
});
