/** Each row of x [rows, hidden]: x / sqrt(mean(x²) + eps) * weight, the mean accumulated in float64. */
export function rmsNormKernel(x: Float32Array, rows: number, hidden: number, weight: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(rows * hidden);
  for (let r = 0; r < rows; r++) {
    const base = r * hidden;
    let sumSquares = 0;
    for (let i = 0; i < hidden; i++) sumSquares += x[base + i]! * x[base + i]!;
    const inverseRms = 1 / Math.sqrt(sumSquares / hidden + eps);
    for (let i = 0; i < hidden; i++) out[base + i] = x[base + i]! * inverseRms * weight[i]!;
  }
  return out;
}
