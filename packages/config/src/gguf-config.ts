// A LlamaConfig from a GGUF file's `llama.*` metadata (the keys convert_hf_to_gguf.py writes from config.json), with
// what only the tensors say (vocabulary size, tied embeddings, biases, llama3 RoPE factors) given by the loader.
import {
  FileFormatError, type GgufMetadataSource, ggufNumber, ggufOptionalNumber, ggufOptionalString, ggufString,
} from '@cria/core';
import { LlamaConfig } from './llama-config.js';
import { llama3ParametersOf, shortestFloat32 } from './llama3-rope-factors.js';
import type { RopeParameters } from './rope-parameters.js';

/** What the tensors of the file say about the model. */
export interface GgufTensorFacts {
  /** Rows of token_embd.weight. */
  vocabSize: number;
  /** No output.weight: lm_head is the embedding. */
  tiedEmbeddings: boolean;
  /** The layers' q/k/v/o projections have biases (blk.0.attn_q.bias). */
  attentionBias: boolean;
  /** The MLP's projections have biases (blk.0.ffn_gate.bias). */
  mlpBias: boolean;
  /** rope_freqs.weight, the llama3 RoPE factors, where the file has it. */
  ropeFreqFactors?: Float32Array;
}

const ARCHITECTURE = 'llama';

/** The config of a GGUF llama model; a key that is missing, of the wrong type or out of range is a FileFormatError naming it. */
export function llamaConfigFromGguf(file: GgufMetadataSource, tensors: GgufTensorFacts): LlamaConfig {
  const architecture = ggufString(file, 'general.architecture');
  if (architecture !== ARCHITECTURE) {
    throw new FileFormatError(file.file, `metadata 'general.architecture' is '${architecture.slice(0, 40)}'; cria runs the Llama family ('${ARCHITECTURE}')`);
  }
  const key = (name: string) => `${ARCHITECTURE}.${name}`;
  const count = (name: string, fallback?: number): number => {
    const value = fallback === undefined ? ggufNumber(file, key(name)) : ggufOptionalNumber(file, key(name)) ?? fallback;
    if (!Number.isSafeInteger(value) || value < 1 || value > 2 ** 31 - 1) {
      throw new FileFormatError(file.file, `metadata '${key(name)}' must be a positive integer below 2^31, got ${value}`);
    }
    return value;
  };
  const positive = (name: string, fallback?: number): number => {
    const value = fallback === undefined ? ggufNumber(file, key(name)) : ggufOptionalNumber(file, key(name)) ?? fallback;
    if (!(value > 0) || !Number.isFinite(value)) throw new FileFormatError(file.file, `metadata '${key(name)}' must be a positive number, got ${value}`);
    return shortestFloat32(value);
  };
  const hidden = count('embedding_length');
  const heads = count('attention.head_count');
  const kvHeads = count('attention.head_count_kv', heads);
  if (heads % kvHeads !== 0) {
    throw new FileFormatError(file.file, `metadata '${key('attention.head_count')}' (${heads}) must be a multiple of '${key('attention.head_count_kv')}' (${kvHeads})`);
  }
  const headDim = count('attention.key_length', count('rope.dimension_count', hidden / heads));
  const valueLength = count('attention.value_length', headDim);
  if (valueLength !== headDim) {
    throw new FileFormatError(file.file, `metadata '${key('attention.value_length')}' (${valueLength}) differs from '${key('attention.key_length')}' (${headDim}); a Llama's heads have one size`);
  }
  const ropeDims = count('rope.dimension_count', headDim);
  if (ropeDims !== headDim) {
    throw new FileFormatError(file.file, `metadata '${key('rope.dimension_count')}' is ${ropeDims}; cria's Llama rotates whole heads (${headDim} dimensions)`);
  }
  const vocabSize = ggufOptionalNumber(file, key('vocab_size'));
  if (vocabSize !== undefined && vocabSize !== tensors.vocabSize) {
    throw new FileFormatError(file.file, `metadata '${key('vocab_size')}' is ${vocabSize}, but token_embd.weight has ${tensors.vocabSize} rows`);
  }
  const contextLength = count('context_length');
  const ropeTheta = positive('rope.freq_base', 10000);
  const tokenIds = (name: string): number | null => {
    const id = ggufOptionalNumber(file, `tokenizer.ggml.${name}_token_id`);
    if (id === undefined) return null;
    if (!Number.isSafeInteger(id) || id < 0 || id >= tensors.vocabSize) {
      throw new FileFormatError(file.file, `metadata 'tokenizer.ggml.${name}_token_id' is ${id}, outside the vocabulary of ${tensors.vocabSize}`);
    }
    return id;
  };
  return LlamaConfig.from_dict({
    architectures: ['LlamaForCausalLM'],
    vocab_size: tensors.vocabSize,
    hidden_size: hidden,
    intermediate_size: count('feed_forward_length'),
    num_hidden_layers: count('block_count'),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    max_position_embeddings: contextLength,
    rms_norm_eps: positive('attention.layer_norm_rms_epsilon'),
    rope_parameters: ropeParameters(file, ropeTheta, headDim, contextLength, tensors.ropeFreqFactors),
    tie_word_embeddings: tensors.tiedEmbeddings,
    attention_bias: tensors.attentionBias,
    mlp_bias: tensors.mlpBias,
    bos_token_id: tokenIds('bos'),
    eos_token_id: tokenIds('eos'),
    pad_token_id: tokenIds('padding'),
  });
}

/** RoPE from `llama.rope.scaling.*` (linear, yarn; the older `llama.rope.scale_linear`) or the llama3 factors tensor. */
function ropeParameters(file: GgufMetadataSource, ropeTheta: number, headDim: number, contextLength: number, factors?: Float32Array): RopeParameters {
  const key = (name: string) => `${ARCHITECTURE}.rope.${name}`;
  const scaling = ggufOptionalString(file, key('scaling.type')) ?? 'none';
  const factor = ggufOptionalNumber(file, key('scaling.factor')) ?? ggufOptionalNumber(file, key('scale_linear'));
  if (factors) {
    if (scaling !== 'none' && scaling !== 'llama3') {
      throw new FileFormatError(file.file, `has rope_freqs.weight (llama3 RoPE factors) and metadata '${key('scaling.type')}' '${scaling}'; a model has one RoPE scaling`);
    }
    const llama3 = llama3ParametersOf(factors, ropeTheta, headDim);
    if (llama3) return llama3;
    if (factors.every((x) => x === 1)) return { rope_type: 'default', rope_theta: ropeTheta };
    throw new FileFormatError(file.file, `rope_freqs.weight holds RoPE factors that no llama3 rope_scaling (factor, low_freq_factor, high_freq_factor, original_max_position_embeddings) gives`);
  }
  if (scaling === 'none' && factor === undefined) return { rope_type: 'default', rope_theta: ropeTheta };
  if (scaling === 'linear' || (scaling === 'none' && factor !== undefined)) {
    if (factor === undefined || !(factor > 0)) throw new FileFormatError(file.file, `metadata '${key('scaling.factor')}' must be a positive number for linear RoPE scaling`);
    return factor === 1 ? { rope_type: 'default', rope_theta: ropeTheta } : { rope_type: 'linear', rope_theta: ropeTheta, factor: shortestFloat32(factor) };
  }
  if (scaling === 'yarn') {
    const optional = (name: string) => {
      const value = ggufOptionalNumber(file, key(`scaling.${name}`));
      return value === undefined ? undefined : shortestFloat32(value);
    };
    const params: RopeParameters = {
      rope_type: 'yarn', rope_theta: ropeTheta, factor: factor === undefined ? null : shortestFloat32(factor),
      original_max_position_embeddings: ggufOptionalNumber(file, key('scaling.original_context_length')) ?? contextLength,
    };
    const attention = optional('yarn_attn_factor');
    if (attention !== undefined) params.attention_factor = attention;
    const fast = optional('yarn_beta_fast');
    if (fast !== undefined) params.beta_fast = fast;
    const slow = optional('yarn_beta_slow');
    if (slow !== undefined) params.beta_slow = slow;
    return params;
  }
  throw new FileFormatError(file.file, `metadata '${key('scaling.type')}' is '${scaling.slice(0, 40)}'; cria reads none, linear, yarn and the llama3 factors (rope_freqs.weight)`);
}
