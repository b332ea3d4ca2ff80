import { describe, expect, it } from 'vitest';
import { quantTensorType, useMoreBits } from './quant-plan.js';

describe('useMoreBits (llama.cpp)', () => {
  it('picks the first and last eighth and every third layer between, for 16 and 32 layers', () => {
    // 16 layers: eighth 2, 7/8 = 14: 0, 1, then (i - 2) % 3 == 2: 4, 7, 10, 13, then 14, 15.
    expect(Array.from({ length: 16 }, (_, i) => i).filter((i) => useMoreBits(i, 16))).toEqual([0, 1, 4, 7, 10, 13, 14, 15]);
    // 32 layers (Llama-3.1-8B): eighth 4, 7/8 = 28.
    expect(Array.from({ length: 32 }, (_, i) => i).filter((i) => useMoreBits(i, 32))).toEqual([0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
  });
});

describe('quantTensorType (llama-quantize, no imatrix)', () => {
  const t = (name: string, cols = 2048) => ({ name, shape: [512, cols] });
  it('Q4_K_M: Q4_K by default, Q6_K for output and for attn_v / ffn_down on use_more_bits layers', () => {
    expect(quantTensorType(t('blk.0.attn_q.weight'), 'q4_k_m', 16, true)).toBe('Q4_K');
    expect(quantTensorType(t('blk.0.attn_v.weight'), 'q4_k_m', 16, true)).toBe('Q6_K');
    expect(quantTensorType(t('blk.2.attn_v.weight'), 'q4_k_m', 16, true)).toBe('Q4_K');
    expect(quantTensorType(t('blk.4.ffn_down.weight'), 'q4_k_m', 16, true)).toBe('Q6_K');
    expect(quantTensorType(t('blk.5.ffn_down.weight'), 'q4_k_m', 16, true)).toBe('Q4_K');
    expect(quantTensorType(t('output.weight'), 'q4_k_m', 16, true)).toBe('Q6_K');
    expect(quantTensorType(t('token_embd.weight'), 'q4_k_m', 16, true)).toBe('Q4_K');
    // Tied: the embedding is the output.
    expect(quantTensorType(t('token_embd.weight'), 'q4_k_m', 16, false)).toBe('Q6_K');
  });
  it('Q8_0 everywhere for q8_0; the legacy types put the output in Q6_K', () => {
    expect(quantTensorType(t('output.weight'), 'q8_0', 16, true)).toBe('Q8_0');
    expect(quantTensorType(t('blk.0.attn_v.weight'), 'q8_0', 16, true)).toBe('Q8_0');
    expect(quantTensorType(t('output.weight'), 'q4_0', 16, true)).toBe('Q6_K');
    expect(quantTensorType(t('blk.0.ffn_down.weight'), 'q4_0', 16, true)).toBe('Q4_0');
  });
  it('falls back where rows are not whole blocks: Q4_K -> Q5_0, Q6_K -> Q8_0, then F16; a 32-block type to F16', () => {
    expect(quantTensorType(t('blk.1.attn_q.weight', 64), 'q4_k_m', 16, true)).toBe('Q5_0');
    expect(quantTensorType(t('blk.0.attn_v.weight', 64), 'q4_k_m', 16, true)).toBe('Q8_0');
    expect(quantTensorType(t('output.weight', 64), 'q4_k_m', 16, true)).toBe('Q8_0');
    expect(quantTensorType(t('blk.1.attn_q.weight', 48), 'q4_k_m', 16, true)).toBe('F16');
    expect(quantTensorType(t('blk.1.attn_q.weight', 48), 'q4_0', 16, true)).toBe('F16');
    expect(quantTensorType(t('blk.1.ffn_down.weight', 172), 'q8_0', 16, true)).toBe('F16');
  });
});
