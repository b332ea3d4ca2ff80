// Test helper: the float64 reference of linear, written plainly (no kernel code).

/** x·Wᵀ + b for one weight [m, k] and x of rows x k values, summed in float64. */
export function naiveLinear(x: Float32Array, w: Float32Array, b: Float32Array | null, m: number, k: number): Float64Array {
  const rows = x.length / k;
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < m; c++) {
      let sum = b ? b[c]! : 0;
      for (let i = 0; i < k; i++) sum += x[r * k + i]! * w[c * k + i]!;
      out[r * m + c] = sum;
    }
  }
  return out;
}
