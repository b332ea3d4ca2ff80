import { OP_NAMES } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { cudaSupports } from './supports.js';

describe('cudaSupports', () => {
  it('takes float32/float16/bfloat16 weights for the weight-reading ops', () => {
    for (const w of ['float32', 'float16', 'bfloat16'] as const) {
      expect(cudaSupports('linear', ['float32', w])).toBe(true);
      expect(cudaSupports('linear', ['float32', w, 'float32'])).toBe(true);
      expect(cudaSupports('embedding', [w, 'int32'])).toBe(true);
      expect(cudaSupports('rmsNorm', ['float32', w])).toBe(true);
      expect(cudaSupports('addRmsNorm', ['float32', 'float32', w])).toBe(true);
      expect(cudaSupports('linearSiluMul', ['float32', w, w])).toBe(true);
      for (const b of ['float32', 'float16', 'bfloat16'] as const) expect(cudaSupports('linearSiluMul', ['float32', w, w, b, b])).toBe(true);
      for (const n of [1, 2, 3, 5]) {
        const weights = Array<typeof w>(n).fill(w);
        expect(cudaSupports('linearMany', ['float32', ...weights])).toBe(true);
        for (const b of ['float32', 'float16', 'bfloat16'] as const) expect(cudaSupports('linearMany', ['float32', ...weights, ...Array<typeof b>(n).fill(b)])).toBe(true);
      }
      expect(cudaSupports('kvWrite', [w, 'float32'])).toBe(true);
      expect(cudaSupports('attention', ['float32', w, w])).toBe(true);
    }
  });

  it('refuses what it does not run', () => {
    expect(cudaSupports('linear', ['float16', 'float16'])).toBe(false);
    expect(cudaSupports('embedding', ['float32', 'int64'])).toBe(false);
    expect(cudaSupports('attention', ['float32', 'float16', 'bfloat16'])).toBe(false);
    expect(cudaSupports('attention', ['float32', 'float32', 'float32', 'bool'])).toBe(false);
    expect(cudaSupports('cast', ['float32', 'int64'])).toBe(false);
    expect(cudaSupports('softmax', ['float16'])).toBe(false);
    expect(cudaSupports('addRmsNorm', ['float32', 'bfloat16', 'bfloat16'])).toBe(false);
    expect(cudaSupports('addRmsNorm', ['float32', 'float32'])).toBe(false);
    expect(cudaSupports('addRmsNorm', ['float32', 'float32', 'int32'])).toBe(false);
    expect(cudaSupports('linearSiluMul', ['float32', 'float16', 'bfloat16'])).toBe(false); // gate and up differ
    expect(cudaSupports('linearSiluMul', ['float32', 'float16', 'float16', 'float16'])).toBe(false); // one bias
    expect(cudaSupports('linearSiluMul', ['float32', 'float16', 'float16', 'float16', 'float32'])).toBe(false); // biases differ
    expect(cudaSupports('linearSiluMul', ['float16', 'float16', 'float16'])).toBe(false);
    expect(cudaSupports('linearSiluMul', ['float32', 'int32', 'int32'])).toBe(false);
    expect(cudaSupports('linearSiluMul', ['float32', 'float32', 'float32', 'int32', 'int32'])).toBe(false);
    expect(cudaSupports('linearSiluMul', ['float32', 'float32'])).toBe(false);
    expect(cudaSupports('linearMany', ['float32'])).toBe(false); // no weight
    expect(cudaSupports('linearMany', ['float16', 'float16'])).toBe(false); // x must be float32
    expect(cudaSupports('linearMany', ['float32', 'bfloat16', 'float16', 'bfloat16'])).toBe(false); // weights differ
    expect(cudaSupports('linearMany', ['float32', 'bfloat16', 'bfloat16', 'float32', 'float16'])).toBe(false); // biases differ
    expect(cudaSupports('linearMany', ['float32', 'float16', 'float16', 'float16', 'float32', 'float32'])).toBe(false); // 3 weights, 2 biases
    expect(cudaSupports('linearMany', ['float32', 'int32', 'int32'])).toBe(false);
    expect(cudaSupports('linearMany', ['float32', 'float32', 'float32', 'int32', 'int32'])).toBe(false);
  });

  it('runs every op of the closed set for its float32 signature', () => {
    const signature: Record<(typeof OP_NAMES)[number], readonly ('float32' | 'int32')[]> = {
      embedding: ['float32', 'int32'],
      rmsNorm: ['float32', 'float32'],
      addRmsNorm: ['float32', 'float32', 'float32'],
      linear: ['float32', 'float32'],
      linearSiluMul: ['float32', 'float32', 'float32'],
      linearMany: ['float32', 'float32', 'float32', 'float32'],
      rope: ['float32', 'int32', 'float32'],
      kvWrite: ['float32', 'float32'],
      attention: ['float32', 'float32', 'float32'],
      attentionWeights: ['float32', 'float32'],
      siluMul: ['float32', 'float32'],
      add: ['float32', 'float32'],
      softmax: ['float32'],
      argmax: ['float32'],
      topk: ['float32'],
      cast: ['float32', 'int32'],
    };
    for (const op of OP_NAMES) expect([op, cudaSupports(op, signature[op])]).toEqual([op, true]);
  });
});
