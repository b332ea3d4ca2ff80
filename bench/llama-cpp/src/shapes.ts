// The shapes the bench runs: config.json of the published models (the shapes `cria bench --shape` uses), with
// the tokenizer fixture each one ships with. Weights are random; only sizes and RoPE settings matter.
export interface BenchShape {
  config: Record<string, unknown>;
  /** Folder under fixtures/tokenizers, and the files a Hugging Face folder of that model has. */
  tokenizer: { fixture: string; files: readonly string[] };
}

const LLAMA = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_act: 'silu', attention_bias: false, mlp_bias: false };

export const SHAPES: Readonly<Record<string, BenchShape>> = {
  // karpathy's stories110M (llama2.c) in Hugging Face layout, with the Llama 2 tokenizer
  stories110M: {
    config: {
      ...LLAMA, hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 12, num_key_value_heads: 12,
      vocab_size: 32000, max_position_embeddings: 1024, rms_norm_eps: 1e-5, rope_theta: 10000.0, tie_word_embeddings: false,
      bos_token_id: 1, eos_token_id: 2,
    },
    tokenizer: { fixture: 'llama2', files: ['tokenizer.model', 'tokenizer.json', 'tokenizer_config.json'] },
  },
  // meta-llama/Llama-3.2-1B's config.json
  'llama-3.2-1b': {
    config: {
      ...LLAMA, hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64,
      vocab_size: 128256, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_theta: 500000.0, tie_word_embeddings: true,
      rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
      bos_token_id: 128000, eos_token_id: 128001,
    },
    // the hub folder has tokenizer.json and tokenizer_config.json (Meta's tiktoken file sits under original/)
    tokenizer: { fixture: 'llama3', files: ['tokenizer.json', 'tokenizer_config.json'] },
  },
};
