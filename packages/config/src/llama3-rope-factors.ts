// The llama3 RoPE factors GGUF files carry as `rope_freqs.weight` (convert_hf_to_gguf.py's LlamaModel writes them;
// llama.cpp divides each inverse frequency by its factor), and the llama3 parameters that give a file's factors back.
import type { LlamaConfig } from './llama-config.js';
import type { RopeParameters } from './rope-parameters.js';

/**
 * The llama3 RoPE factors (`rope_freqs.weight`, one per frequency) as LlamaModel.generate_extra_tensors
 * computes them in float32, or null for other RoPE types. `original_max_position_embeddings` comes from the
 * RoPE parameters, as transformers reads it. (The script computes base ** (i / dim) with torch's float32 pow,
 * which can differ from the correctly rounded value here by one ulp for some (base, dim); not for
 * Llama 3.1/3.2's.)
 */
export function llama3RopeFactors(config: Pick<LlamaConfig, 'rope_parameters' | 'headDim'>): Float32Array | null {
  const rope = config.rope_parameters;
  if (rope.rope_type !== 'llama3') return null;
  const f = Math.fround;
  const dim = config.headDim;
  const factor = rope.factor ?? 8.0;
  const low = rope.low_freq_factor ?? 1.0;
  const high = rope.high_freq_factor ?? 4.0;
  const oldContext = rope.original_max_position_embeddings ?? 8192;
  const lowWavelen = oldContext / low;
  const highWavelen = oldContext / high;
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const freq = f(1 / f(Math.pow(rope.rope_theta, f((2 * i) / dim))));
    const wavelen = f(f(2 * Math.PI) / freq);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = f(f(f(oldContext / wavelen) - low) / (high - low));
      out[i] = f(1 / f(f(f(1 - smooth) / factor) + smooth));
    }
  }
  return out;
}

/**
 * The llama3 RoPE parameters whose factors (llama3RopeFactors) are `factors`, each within a few float32 ulps (the
 * converter's float32 pow may differ from the correctly rounded one by one ulp): found by trying the original context
 * lengths 2^4 .. 2^21 and the low / high frequency factors in use. `factor` is the largest factor. null when none
 * gives them back (or every factor is 1: then no scaling applies).
 */
export function llama3ParametersOf(factors: Float32Array, ropeTheta: number, headDim: number): RopeParameters | null {
  let factor = 1;
  for (const x of factors) if (x > factor) factor = x;
  if (factors.length !== headDim / 2 || factor === 1) return null;
  factor = shortestFloat32(factor);
  const origins = [8192, ...Array.from({ length: 18 }, (_, i) => 2 ** (i + 4))];
  // Meta's low / high frequency factors (1, 4) first, then the others; for each, the original context lengths.
  for (const low of [1, 2, 0.5, 4]) {
    for (const high of [4, 8, 2, 16, 32, 1]) {
      if (high <= low) continue;
      for (const original of origins) {
        const rope_parameters: RopeParameters = {
          rope_type: 'llama3', rope_theta: ropeTheta, factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: original,
        };
        const candidate = llama3RopeFactors({ rope_parameters, headDim })!;
        if (candidate.every((x, i) => Math.abs(x - factors[i]!) <= 4e-7 * Math.abs(x))) return rope_parameters;
      }
    }
  }
  return null;
}

/** The shortest decimal that is the same float32 (a float32 metadata value as a config would write it: 1e-05, not 9.99999974e-06). */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}
