/** x [rows, K] · weightᵀ (weight [M, K]) + bias [M] -> [rows, M]; each dot product accumulated in float64. */
export function linearKernel(
  x: Float32Array,
  rows: number,
  inFeatures: number,
  weight: Float32Array,
  outFeatures: number,
  bias: Float32Array | undefined,
): Float32Array {
  const out = new Float32Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    const xRow = x.subarray(r * inFeatures, (r + 1) * inFeatures);
    const outBase = r * outFeatures;
    for (let m = 0; m < outFeatures; m++) {
      const wBase = m * inFeatures;
      let sum = 0;
      for (let k = 0; k < inFeatures; k++) sum += xRow[k]! * weight[wBase + k]!;
      out[outBase + m] = bias ? sum + bias[m]! : sum;
    }
  }
  return out;
}
