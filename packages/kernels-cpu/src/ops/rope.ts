import type { RopeShape } from '@cria/core';

/**
 * The cos and sin of every token's angles, [tokens, invFreq.length] each, as transformers computes them: the angle
 * position·invFreq in float32 (both operands float32, the product rounded to float32), cos and sin rounded to
 * float32, then multiplied by attentionScaling in float32.
 */
export function ropeTables(positions: Int32Array, invFreq: Float32Array, attentionScaling: number): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const scaling = Math.fround(attentionScaling);
  const cos = new Float32Array(positions.length * half);
  const sin = new Float32Array(positions.length * half);
  for (let t = 0; t < positions.length; t++) {
    const position = Math.fround(positions[t]!);
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(position * invFreq[i]!);
      cos[t * half + i] = Math.fround(Math.fround(Math.cos(angle)) * scaling);
      sin[t * half + i] = Math.fround(Math.fround(Math.sin(angle)) * scaling);
    }
  }
  return { cos, sin };
}

/**
 * Rotate-half RoPE over x [B, S, numHeads * headDim] with positions [B, S] and invFreq [headDim / 2], the tables of
 * ropeTables; the rotation itself is computed in float64 and rounded once.
 */
export function ropeKernel(x: Float32Array, positions: Int32Array, invFreq: Float32Array, shape: RopeShape): Float32Array {
  const { batch, seqLength, numHeads, headDim, attentionScaling } = shape;
  const half = headDim / 2;
  const { cos, sin } = ropeTables(positions.subarray(0, batch * seqLength), invFreq.subarray(0, half), attentionScaling);
  const out = new Float32Array(x.length);
  for (let t = 0; t < batch * seqLength; t++) {
    const table = t * half;
    for (let h = 0; h < numHeads; h++) {
      const base = (t * numHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const x1 = x[base + i]!;
        const x2 = x[base + half + i]!;
        out[base + i] = x1 * cos[table + i]! - x2 * sin[table + i]!;
        out[base + half + i] = x2 * cos[table + i]! + x1 * sin[table + i]!;
      }
    }
  }
  return out;
}
