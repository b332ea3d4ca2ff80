// The bounds the issues measure against. Decode (batch 1) must read every weight once per token, so its
// bound is weight bytes over the device-to-device copy bandwidth. Prefill is matrix products, so its bound
// is their FLOPs over the measured bf16 matmul rate.

/** The model shape as `cria bench` prints it. */
export interface BenchShape {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
}

/** Decode tokens/s if every weight byte were read once per token at the copy bandwidth. */
export function decodeBoundTokensPerSecond(weightBytes: number, copyBytesPerSecond: number): number {
  if (!(weightBytes > 0) || !(copyBytesPerSecond > 0)) throw new Error(`decode bound needs positive weight bytes and bandwidth, got ${weightBytes} and ${copyBytesPerSecond}`);
  return copyBytesPerSecond / weightBytes;
}

/** Parameters of the decoder layers' linear maps (q, k, v, o, gate, up, down), head_dim = hidden / heads. */
export function layerLinearParameters(shape: BenchShape): number {
  const { hidden_size: h, intermediate_size: i, num_attention_heads: heads, num_key_value_heads: kvHeads } = shape;
  if (h % heads !== 0) throw new Error(`hidden_size ${h} is not a multiple of num_attention_heads ${heads}`);
  const headDim = h / heads;
  const attention = h * heads * headDim + 2 * h * kvHeads * headDim + heads * headDim * h;
  return shape.num_hidden_layers * (attention + 3 * h * i);
}

/**
 * FLOPs of a prefill of `tokens` prompt tokens as cria runs it: every layer's linear maps for every token,
 * causal attention (QKᵀ and PV over the s+1 visible positions of token s) and the lm_head for the last
 * token only (generate() asks for logits_to_keep: 1).
 */
export function prefillFlops(shape: BenchShape, tokens: number): { total: number; linear: number; attention: number; lmHead: number } {
  const headDim = shape.hidden_size / shape.num_attention_heads;
  const linear = 2 * layerLinearParameters(shape) * tokens;
  const visiblePairs = (tokens * (tokens + 1)) / 2;
  const attention = 2 * 2 * shape.num_hidden_layers * shape.num_attention_heads * headDim * visiblePairs;
  const lmHead = 2 * shape.vocab_size * shape.hidden_size;
  return { total: linear + attention + lmHead, linear, attention, lmHead };
}

/** Prefill tokens/s if those FLOPs ran at the matmul rate. */
export function prefillBoundTokensPerSecond(shape: BenchShape, tokens: number, matmulFlopsPerSecond: number): number {
  if (!(matmulFlopsPerSecond > 0)) throw new Error(`prefill bound needs a positive matmul rate, got ${matmulFlopsPerSecond}`);
  return tokens / (prefillFlops(shape, tokens).total / matmulFlopsPerSecond);
}
