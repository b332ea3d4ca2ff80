// What the CUDA backend overrides in the op contract of @cria/core: half-precision caches (the dtype table), and the
// device limits supports() answers for TensorSpecs (head size, the flash kernel's grid, a captured step's attention).
import { OP_NAMES, UnsupportedOpError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test/recording-context.js';
import { CudaBackend } from './backend.js';
import { MAX_ATTENTION_HEAD_DIM, cudaSupports } from './overrides.js';

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

describe('supports() with TensorSpecs: the kernels\' device limits, answered up front', () => {
  const spec = (...shape: number[]) => ({ dtype: 'float32' as const, shape });
  const backend = () => new CudaBackend(recordingContext(), { name: 'recording', computeCapability: '9.0', totalMemory: 0, multiProcessorCount: 132 });

  it('attention: head sizes up to 256 (the compiled kernels); attentionWeights any', () => {
    const cuda = backend();
    const cache = (headDim: number) => spec(1, 1, 8, headDim);
    expect(MAX_ATTENTION_HEAD_DIM).toBe(256);
    expect(cuda.supports('attention', [spec(1, 1, 256), cache(256), cache(256)])).toBe(true);
    expect(cuda.supports('attention', [spec(1, 1, 512), cache(512), cache(512)])).toBe(false);
    expect(cuda.supports('attention', ['float32', 'float32', 'float32'])).toBe(true);
    expect(cuda.supports('attentionWeights', [spec(1, 1, 512), cache(512)])).toBe(true);
    const [q, k] = [cuda.zeros([1, 1, 512], 'float32'), cuda.zeros([1, 1, 8, 512], 'float32')];
    const call = () => cuda.attention(q, k, k, { numHeads: 1, numKvHeads: 1, headDim: 512, kvLength: 1, scale: 1 });
    expect(call).toThrow(UnsupportedOpError);
    expect(call).toThrow(/head size 512 is above the 256 the attention kernels are compiled for/);
  });

  it('attention with S >= 16 (the flash kernel): batch * numHeads up to 65535', () => {
    const cuda = backend();
    expect(cuda.supports('attention', [spec(2, 16, 32768 * 4), spec(2, 1, 32, 4), spec(2, 1, 32, 4)])).toBe(false);
    expect(cuda.supports('attention', [spec(1, 16, 32768 * 4), spec(1, 1, 32, 4), spec(1, 1, 32, 4)])).toBe(true);
    expect(cuda.supports('attention', [spec(2, 15, 32768 * 4), spec(2, 1, 32, 4), spec(2, 1, 32, 4)])).toBe(true); // the decode kernel
  });

  it('while a CUDA graph is captured, attention is the decode step\'s (kvLength on the device): S < 16', () => {
    const cuda = backend();
    const inputs = (seq: number) => [spec(1, seq, 64), spec(1, 1, 32, 64), spec(1, 1, 32, 64)];
    expect(cuda.supports('attention', inputs(16))).toBe(true);
    cuda.beginCapture();
    expect(cuda.capturing).toBe(true);
    expect(cuda.supports('attention', inputs(16))).toBe(false);
    expect(cuda.supports('attention', inputs(1))).toBe(true);
    cuda.endCapture();
    expect(cuda.supports('attention', inputs(16))).toBe(true);
    const [q, k, n] = [cuda.zeros([1, 16, 64], 'float32'), cuda.zeros([1, 1, 32, 64], 'float32'), cuda.zeros([1], 'int32')];
    expect(() => cuda.attentionAt(q, k, k, { numHeads: 1, numKvHeads: 1, headDim: 64, scale: 1, kvLength: n })).toThrow(UnsupportedOpError);
  });
});
