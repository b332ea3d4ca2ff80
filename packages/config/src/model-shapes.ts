// config.json of published Llama models, for benchmarks and tests that build a model of a real shape with random
// weights (`cria bench --shape`, bench/llama-cpp). Only sizes, RoPE settings and special ids: no weights.
import type { LlamaConfig } from './llama-config.js';

const LLAMA = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_act: 'silu', attention_bias: false, mlp_bias: false };

export const MODEL_SHAPES: Readonly<Record<'stories110M' | 'llama-3.2-1b' | 'llama-2-7b', Readonly<Record<string, unknown>>>> = {
  // karpathy's stories110M (llama2.c) in Hugging Face layout (the Llama 2 tokenizer)
  stories110M: {
    ...LLAMA, hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 12, num_key_value_heads: 12,
    vocab_size: 32000, max_position_embeddings: 1024, rms_norm_eps: 1e-5, rope_theta: 10000.0, tie_word_embeddings: false,
    bos_token_id: 1, eos_token_id: 2,
  },
  // meta-llama/Llama-3.2-1B
  'llama-3.2-1b': {
    ...LLAMA, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64,
    vocab_size: 128256, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_theta: 500000.0, tie_word_embeddings: true,
    rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
    bos_token_id: 128000, eos_token_id: 128001,
  },
  // meta-llama/Llama-2-7b-hf
  'llama-2-7b': {
    ...LLAMA, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32,
    vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, rope_theta: 10000.0, tie_word_embeddings: false,
    bos_token_id: 1, eos_token_id: 2,
  },
};

/** A config's shape as benchmarks report it. */
export function shapeSummary(config: LlamaConfig): Record<string, unknown> {
  return {
    hidden_size: config.hidden_size,
    intermediate_size: config.intermediate_size,
    num_hidden_layers: config.num_hidden_layers,
    num_attention_heads: config.num_attention_heads,
    num_key_value_heads: config.numKvHeads,
    vocab_size: config.vocab_size,
    tie_word_embeddings: config.tie_word_embeddings,
    rope_type: config.rope_parameters.rope_type,
  };
}
