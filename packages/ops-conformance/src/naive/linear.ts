// Naive linear as the Backend contract defines it: x [rows, K] · W [M, K]^T (+ bias), float64 sums.

/** x [rows, K] · w [M, K]^T (+ bias [M]), accumulated in float64. */
export function naiveLinear(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, rows: number, k: number, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += x[r * k + i]! * w[j * k + i]!;
      out[r * m + j] = sum + (bias ? bias[j]! : 0);
    }
  }
  return out;
}
