import { dot } from './dot.js';

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
    const outBase = r * outFeatures;
    for (let m = 0; m < outFeatures; m++) {
      const sum = dot(x, r * inFeatures, weight, m * inFeatures, inFeatures);
      out[outBase + m] = bias ? sum + bias[m]! : sum;
    }
  }
  return out;
}
