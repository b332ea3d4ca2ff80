// The bounds cria bench states its speeds against: decode against memory bandwidth (the bytes of weights one
// decode step reads over the measured copy bandwidth), prefill against the matmul rate (its FLOPs over a
// measured bf16 matmul rate).
import type { LlamaForCausalLM } from '@cria/models';

/** The config fields the FLOP count needs (LlamaConfig's, head size and KV heads resolved). */
export interface FlopShape {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  vocab_size: number;
}

/** FLOPs of one prefill (2 per multiply-add), by part. */
export interface PrefillFlops {
  /** Every layer's q, k, v, o, gate, up and down projections for every prompt token. */
  linear: number;
  /** q·k and p·v of causal attention: 4 × layers × heads × head_dim per (query, visible key) pair. */
  attention: number;
  /** lm_head for the last position only (generate asks for one position's logits: logits_to_keep 1). */
  lmHead: number;
  total: number;
  /** total / promptLength. */
  perToken: number;
}

/**
 * FLOPs of a prefill of `promptLength` tokens into an empty cache, as generate() runs it:
 *
 *   linear    = 2 × T × layers × (hidden × (q + 2·kv) + q × hidden + 3 × hidden × intermediate),
 *               q = heads × head_dim, kv = kv_heads × head_dim (biases, norms, RoPE, SiLU are not counted)
 *   attention = 4 × layers × heads × head_dim × T (T + 1) / 2   (query i sees i + 1 keys: T (T + 1) / 2 pairs,
 *               2 FLOPs per element for q·k and 2 for p·v; the average context per token is (T + 1) / 2)
 *   lm_head   = 2 × vocab × hidden                              (one position)
 */
export function prefillFlops(shape: FlopShape, promptLength: number): PrefillFlops {
  if (!Number.isSafeInteger(promptLength) || promptLength < 1) throw new RangeError(`prefillFlops: promptLength must be a positive integer, got ${promptLength}`);
  const t = promptLength;
  const q = shape.num_attention_heads * shape.head_dim;
  const kv = shape.num_key_value_heads * shape.head_dim;
  const h = shape.hidden_size;
  const layerParameters = h * (q + 2 * kv) + q * h + 3 * h * shape.intermediate_size;
  const linear = 2 * t * shape.num_hidden_layers * layerParameters;
  const attention = (4 * shape.num_hidden_layers * shape.num_attention_heads * shape.head_dim * t * (t + 1)) / 2;
  const lmHead = 2 * shape.vocab_size * h;
  const total = linear + attention + lmHead;
  return { linear, attention, lmHead, total, perToken: total / t };
}

/** The shape prefillFlops needs, from a model's config. */
export function flopShapeOf(model: LlamaForCausalLM): FlopShape {
  const c = model.config;
  return {
    hidden_size: c.hidden_size,
    intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers,
    num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocab_size,
  };
}

/**
 * Bytes of the model's weights: `all` of them (a tied lm_head counted once), and `decodeStep`, what one decode
 * step of one token reads: every weight once, except an embedding table not shared with lm_head, of which the step
 * reads one row. (The KV cache the step also reads is not counted.)
 */
export function weightBytes(model: LlamaForCausalLM): { all: number; decodeStep: number } {
  const parameters = new Set(model.namedParameters().map(([, p]) => p));
  let all = 0;
  for (const p of parameters) all += p.value.byteLength;
  const embedding = model.model.embed_tokens.weight;
  if (embedding === model.lm_head.weight) return { all, decodeStep: all };
  const table = embedding.value;
  const rowBytes = table.byteLength / table.shape[0]!;
  return { all, decodeStep: all - table.byteLength + rowBytes };
}
