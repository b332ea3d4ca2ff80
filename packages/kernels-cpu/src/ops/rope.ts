import type { RopeShape } from '@cria/core';

/**
 * Rotate-half RoPE over x [B, S, numHeads * headDim] with positions [B, S] and invFreq [headDim / 2].
 * As transformers computes it: the angle position·invFreq in float32 (both operands float32, the
 * product rounded to float32), cos and sin rounded to float32 and multiplied by attentionScaling in
 * float32; the rotation itself is computed in float64 and rounded once.
 */
export function ropeKernel(x: Float32Array, positions: Int32Array, invFreq: Float32Array, shape: RopeShape): Float32Array {
  const { batch, seqLength, numHeads, headDim, attentionScaling } = shape;
  const half = headDim / 2;
  const scaling = Math.fround(attentionScaling);
  const out = new Float32Array(x.length);
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seqLength; s++) {
      const position = Math.fround(positions[b * seqLength + s]!);
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(position * invFreq[i]!);
        cos[i] = Math.fround(Math.fround(Math.cos(angle)) * scaling);
        sin[i] = Math.fround(Math.fround(Math.sin(angle)) * scaling);
      }
      const tokenBase = (b * seqLength + s) * numHeads * headDim;
      for (let h = 0; h < numHeads; h++) {
        const base = tokenBase + h * headDim;
        for (let i = 0; i < half; i++) {
          const x1 = x[base + i]!;
          const x2 = x[base + half + i]!;
          out[base + i] = x1 * cos[i]! - x2 * sin[i]!;
          out[base + half + i] = x2 * cos[i]! + x1 * sin[i]!;
        }
      }
    }
  }
  return out;
}
