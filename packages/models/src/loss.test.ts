// The losses against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits, causalLmLoss, crossEntropy, meanSquaredError } from './loss.js';

describe('losses', () => {
  it('cross-entropy of uniform logits is ln(classes); -100 is skipped', () => {
    expect(crossEntropy(new Float32Array(8), 4, [1, -100])).toBeCloseTo(Math.log(4), 12);
  });

  it('cross-entropy of a two-class row by hand', () => {
    // logits [0, ln 3]: p(1) = 3/4
    expect(crossEntropy(Float32Array.of(0, Math.log(3)), 2, [1])).toBeCloseTo(-Math.log(0.75), 6);
  });

  it('the causal-LM loss shifts: position t is scored against labels[t + 1]; the last position is dropped', () => {
    // vocab 2, one row of 3 positions; logits favour class 1 at t=0 (3:1) and class 0 at t=1 (1:1)
    const logits = Float32Array.of(0, Math.log(3), 0, 0, 5, -5);
    const loss = causalLmLoss(logits, [[7, 1, 0]], 2);
    expect(loss).toBeCloseTo((-Math.log(0.75) + Math.log(2)) / 2, 6);
    expect(causalLmLoss(logits, [[7, 1, -100]], 2)).toBeCloseTo(-Math.log(0.75), 6);
  });

  it('MSE and BCE-with-logits by hand', () => {
    expect(meanSquaredError(Float32Array.of(1, 3), [0, 1])).toBeCloseTo((1 + 4) / 2, 12);
    expect(binaryCrossEntropyWithLogits(Float32Array.of(0), [1])).toBeCloseTo(Math.log(2), 12);
  });
});
