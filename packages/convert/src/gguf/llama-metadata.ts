// The general.* and llama.* metadata of a Llama checkpoint, in the order convert_hf_to_gguf.py writes them
// (TextModel.set_gguf_parameters, then LlamaModel's), and the llama3 RoPE factors it adds as `rope_freqs`.
import type { LlamaConfig } from '@cria/config';
export { llama3RopeFactors } from '@cria/config';
import { GGML_QUANT_VERSION, LLAMA_FILE_TYPE } from '@cria/core';
import { type GgufMetadata, gguf } from './metadata.js';

export type LlamaFileTypeName = keyof typeof LLAMA_FILE_TYPE;

/** gguf-py's size_label (model_weight_count_rounded_notation with two digits): 20000 -> '20K', 1.24e9 -> '1.2B'. */
export function sizeLabel(parameters: number): string {
  const [scaled, suffix] =
    parameters > 1e12 ? [parameters * 1e-12, 'T'] : parameters > 1e9 ? [parameters * 1e-9, 'B'] : parameters > 1e6 ? [parameters * 1e-6, 'M'] : [parameters * 1e-3, 'K'];
  const digits = String(roundHalfEven(scaled)).replace(/^0+/, '').length;
  return `${scaled.toFixed(Math.max(2 - digits, 0))}${suffix}`;
}

/** Python's round(): to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface LlamaMetadataOptions {
  fileType: LlamaFileTypeName;
  /** general.name */
  name: string;
  /** Elements of every tensor written (for general.size_label). */
  parameters: number;
}

/** general.* and llama.* keys for `config`, in convert_hf_to_gguf.py's order (the tokenizer keys come after). */
export function llamaModelMetadata(config: LlamaConfig, options: LlamaMetadataOptions): GgufMetadata {
  const m: GgufMetadata = new Map();
  m.set('general.architecture', gguf.string('llama'));
  m.set('general.type', gguf.string('model'));
  if (options.name) m.set('general.name', gguf.string(options.name));
  if (options.parameters > 0) m.set('general.size_label', gguf.string(sizeLabel(options.parameters)));
  m.set('llama.block_count', gguf.uint32(config.num_hidden_layers));
  m.set('llama.context_length', gguf.uint32(config.max_position_embeddings));
  m.set('llama.embedding_length', gguf.uint32(config.hidden_size));
  m.set('llama.feed_forward_length', gguf.uint32(config.intermediate_size));
  m.set('llama.attention.head_count', gguf.uint32(config.num_attention_heads));
  m.set('llama.attention.head_count_kv', gguf.uint32(config.numKvHeads));
  const rope = config.rope_parameters;
  const factor = rope.factor;
  if (rope.rope_type === 'linear' && typeof factor === 'number') {
    m.set('llama.rope.scaling.type', gguf.string('linear'));
    m.set('llama.rope.scaling.factor', gguf.float32(factor));
  } else if (rope.rope_type === 'yarn' && typeof factor === 'number') {
    m.set('llama.rope.scaling.type', gguf.string('yarn'));
    m.set('llama.rope.scaling.factor', gguf.float32(factor));
    m.set('llama.rope.scaling.original_context_length', gguf.uint32(rope.original_max_position_embeddings ?? config.max_position_embeddings));
    const attention = rope.attention_factor ?? (rope.attn_factor as number | null | undefined);
    if (typeof rope.extrapolation_factor === 'number') m.set('llama.rope.scaling.yarn_ext_factor', gguf.float32(rope.extrapolation_factor));
    if (typeof attention === 'number') m.set('llama.rope.scaling.yarn_attn_factor', gguf.float32(attention));
    if (typeof rope.beta_fast === 'number') m.set('llama.rope.scaling.yarn_beta_fast', gguf.float32(rope.beta_fast));
    if (typeof rope.beta_slow === 'number') m.set('llama.rope.scaling.yarn_beta_slow', gguf.float32(rope.beta_slow));
  }
  m.set('llama.rope.freq_base', gguf.float32(rope.rope_theta));
  m.set('llama.attention.layer_norm_rms_epsilon', gguf.float32(config.rms_norm_eps));
  m.set('llama.attention.key_length', gguf.uint32(config.headDim));
  m.set('llama.attention.value_length', gguf.uint32(config.headDim));
  m.set('general.file_type', gguf.uint32(LLAMA_FILE_TYPE[options.fileType]));
  m.set('llama.vocab_size', gguf.uint32(config.vocab_size));
  m.set('llama.rope.dimension_count', gguf.uint32(config.headDim));
  m.set('general.quantization_version', gguf.uint32(GGML_QUANT_VERSION));
  return m;
}
