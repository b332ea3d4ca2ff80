// Losses as transformers computes them, on the host in float64 from float32 logits.

/** Mean cross-entropy of rows of `logits` (each `classes` wide) against `targets`, skipping ignoreIndex. */
export function crossEntropy(logits: Float32Array, classes: number, targets: readonly number[], ignoreIndex = -100): number {
  let total = 0;
  let count = 0;
  targets.forEach((target, row) => {
    if (target === ignoreIndex) return;
    if (!Number.isInteger(target) || target < 0 || target >= classes) throw new RangeError(`label ${target} is outside [0, ${classes})`);
    const base = row * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[base + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[base + j]! - max);
    total += Math.log(sum) + max - logits[base + target]!;
    count++;
  });
  return count === 0 ? NaN : total / count;
}

/** The causal-LM loss: position t predicts labels[t + 1] (labels shifted left, -100 ignored). */
export function causalLmLoss(logits: Float32Array, labels: readonly (readonly number[])[], vocab: number): number {
  const seq = labels[0]?.length ?? 0;
  const targets: number[] = [];
  labels.forEach((row) => {
    for (let t = 0; t < seq; t++) targets.push(t + 1 < seq ? row[t + 1]! : -100);
  });
  return crossEntropy(logits, vocab, targets);
}

/** Mean squared error (regression heads). */
export function meanSquaredError(predictions: Float32Array, targets: readonly number[]): number {
  let total = 0;
  targets.forEach((t, i) => (total += (predictions[i]! - t) ** 2));
  return total / targets.length;
}

/** Mean binary cross-entropy with logits (multi-label heads). */
export function binaryCrossEntropyWithLogits(logits: Float32Array, targets: readonly number[]): number {
  let total = 0;
  targets.forEach((y, i) => {
    const x = logits[i]!;
    total += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  });
  return total / targets.length;
}
