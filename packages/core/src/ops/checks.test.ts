import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { checkAttention, checkKvWrite, checkRope } from './attention-checks.js';
import { checkLinear, checkLinearMany, checkLinearSiluMul } from './linear-checks.js';
import { checkAddRmsNorm, checkArgmax, checkCastTarget, checkEmbedding, checkRmsNorm, checkTopk } from './row-checks.js';
import type { TensorSpec } from './spec.js';

const f32 = (...shape: number[]): TensorSpec => ({ dtype: 'float32', shape });

describe('the shape checks return the sizes the kernels need', () => {
  it('linear, linearSiluMul, linearMany', () => {
    expect(checkLinear('linear', f32(2, 3, 8), f32(5, 8), f32(5))).toEqual({ rows: 6, k: 8, m: 5, outShape: [2, 3, 5] });
    expect(checkLinear('linear', f32(4, 0), f32(5, 0))).toEqual({ rows: 4, k: 0, m: 5, outShape: [4, 5] });
    expect(checkLinearSiluMul(f32(1, 8), f32(5, 8), f32(5, 8))).toMatchObject({ rows: 1, k: 8, m: 5 });
    expect(checkLinearMany(f32(2, 8), [f32(5, 8), f32(3, 8)])).toEqual({ rows: 2, k: 8, ms: [5, 3], outShapes: [[2, 5], [2, 3]] });
  });

  it('norms, embedding, topk', () => {
    expect(checkRmsNorm(f32(2, 3, 8), f32(8), 1e-5)).toEqual({ rows: 6, cols: 8 });
    expect(checkAddRmsNorm(f32(2, 8), f32(2, 8), f32(8), 0)).toEqual({ rows: 2, cols: 8 });
    expect(checkEmbedding(f32(10, 4), { dtype: 'int32', shape: [2, 3] })).toEqual({ vocab: 10, hidden: 4, count: 6, outShape: [2, 3, 4] });
    expect(checkTopk(f32(2, 5), 0)).toEqual({ rows: 2, cols: 5, k: 0, outShape: [2, 0] });
    expect(checkArgmax(f32(3, 1))).toEqual({ rows: 3, cols: 1 });
  });

  it('rope, kvWrite, attention', () => {
    expect(checkRope(f32(2, 3, 8), { dtype: 'int32', shape: [2, 3] }, f32(2), { numHeads: 2, headDim: 4, attentionScaling: 1 })).toEqual({ batch: 2, seqLength: 3, numHeads: 2, headDim: 4, attentionScaling: 1 });
    expect(checkKvWrite(f32(1, 2, 8, 4), f32(1, 3, 8), 5)).toEqual({ batch: 1, seqLength: 3, numKvHeads: 2, headDim: 4, maxLength: 8, offset: 5 });
    const options = { numHeads: 4, numKvHeads: 2, headDim: 4, kvLength: 6, scale: 0.5, mask: f32(1, 6) as never };
    expect(checkAttention('attention', f32(1, 2, 16), f32(1, 2, 8, 4), f32(1, 2, 8, 4), options)).toEqual({ batch: 1, seqLength: 2, numHeads: 4, numKvHeads: 2, headDim: 4, maxLength: 8, kvLength: 6, scale: 0.5 });
  });
});

describe('the shape checks refuse with an ArgumentError naming the argument', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['a [1, H] norm weight', () => checkRmsNorm(f32(2, 8), f32(1, 8), 1e-5), /rmsNorm: weight \[1, 8\] float32 must have shape \[8\]/],
    ['a negative eps', () => checkRmsNorm(f32(2, 8), f32(8), -1e-5), /rmsNorm: eps must be a finite number >= 0, got -0.00001/],
    ['a [1, M] bias', () => checkLinear('linear', f32(2, 8), f32(5, 8), f32(1, 5)), /linear: bias \[1, 5\] float32 must have rank 1/],
    ['a mask longer than kvLength', () => checkAttention('attention', f32(1, 1, 4), f32(1, 1, 8, 4), f32(1, 1, 8, 4), { numHeads: 1, numKvHeads: 1, headDim: 4, kvLength: 3, scale: 1, mask: f32(1, 5) as never }), /attention: options.mask \[1, 5\] float32 must have 3 \(kvLength\) in dimension 1, not 5/],
    ['k above n', () => checkTopk(f32(2, 5), 6), /topk: k must be an integer in \[0, 5\] \(x's last dimension\), got 6/],
    ['a negative k', () => checkTopk(f32(2, 5), -1), /topk: k must be an integer in \[0, 5\]/],
    ['an empty argmax row', () => checkArgmax(f32(2, 0)), /argmax: x \[2, 0\] float32 has an empty last dimension/],
    ['a kvWrite past the cache', () => checkKvWrite(f32(1, 1, 4, 2), f32(1, 2, 2), 3), /kvWrite: offset must be an integer in \[0, 2\]/],
    ['a cast to a name that is no dtype', () => checkCastTarget('float8'), /cast: dtype 'float8' is not a cria dtype/],
  ];
  for (const [what, call, message] of cases) {
    it(what, () => {
      expect(call).toThrow(ArgumentError);
      expect(call).toThrow(message);
    });
  }
});
