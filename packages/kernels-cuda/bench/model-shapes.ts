// Llama shapes for the benchmark: random bf16 weights laid out as the model reads them.
export interface LlamaShape {
  name: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  tied: boolean;
}

export const LLAMA_3_2_1B: LlamaShape = { name: 'Llama-3.2-1B', hidden: 2048, layers: 16, heads: 32, kvHeads: 8, headDim: 64, intermediate: 8192, vocab: 128256, tied: true };
export const LLAMA_2_7B: LlamaShape = { name: 'Llama-2-7B', hidden: 4096, layers: 32, heads: 32, kvHeads: 32, headDim: 128, intermediate: 11008, vocab: 32000, tied: false };

/** Bytes of weights one decode step reads (every matrix once, the norms, the lm_head; one embedding row). */
export function decodeWeightBytes(s: LlamaShape, bytesPerWeight = 2): number {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const perLayer = s.hidden * (q + 2 * kv) + q * s.hidden + 3 * s.hidden * s.intermediate + 2 * s.hidden;
  return bytesPerWeight * (s.layers * perLayer + s.hidden + s.vocab * s.hidden + s.hidden);
}

/** Matmul FLOPs of a forward pass over `tokens` tokens (2 per multiply-add), without attention. */
export function matmulFlops(s: LlamaShape, tokens: number, lmHeadTokens = 1): number {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const perLayer = s.hidden * (q + 2 * kv) + q * s.hidden + 3 * s.hidden * s.intermediate;
  return 2 * tokens * s.layers * perLayer + 2 * lmHeadTokens * s.vocab * s.hidden;
}
