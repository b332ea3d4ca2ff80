/** Softmax of each row of x [rows, n] (max-subtracted, in float64). A row of all -Infinity gives NaN, as torch does. */
export function softmaxKernel(x: Float32Array, rows: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  const exps = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (x[base + i]! > max || Number.isNaN(x[base + i]!)) max = x[base + i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      exps[i] = Math.exp(x[base + i]! - max);
      sum += exps[i]!;
    }
    for (let i = 0; i < n; i++) out[base + i] = exps[i]! / sum;
  }
  return out;
}
