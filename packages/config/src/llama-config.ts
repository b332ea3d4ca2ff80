import { ArgumentError } from '@cria/core';
import { PretrainedConfig } from './pretrained-config.js';
import { DEFAULT_ROPE_THETA, type RopeParameters, type RopeScaling, ropeFieldOf, ropeScalingOf, standardizeRopeParameters, validateRopeParameters } from './rope-parameters.js';

/** The keys of config.json that describe RoPE, in transformers 5's layout and in 4.x's. */
const ROPE_KEYS = ['rope_parameters', 'rope_scaling', 'rope_theta'] as const;

/**
 * transformers' LlamaConfig: every field with its default (the LLaMA-7B shape). Reads both config.json
 * layouts: transformers 5's `rope_parameters` (+ `dtype`) and 4.x's `rope_theta` + `rope_scaling` (+
 * `torch_dtype`), standardised as transformers 5 does; writes both, so either version reads it back.
 */
export class LlamaConfig extends PretrainedConfig {
  override model_type = 'llama';
  vocab_size = 32000;
  hidden_size = 4096;
  intermediate_size = 11008;
  num_hidden_layers = 32;
  num_attention_heads = 32;
  /** Equal to num_attention_heads when absent. */
  num_key_value_heads: number | null = null;
  hidden_act = 'silu';
  max_position_embeddings = 2048;
  initializer_range = 0.02;
  rms_norm_eps = 1e-6;
  use_cache = true;
  pad_token_id: number | null = null;
  bos_token_id: number | null = 1;
  eos_token_id: number | number[] | null = 2;
  pretraining_tp = 1;
  tie_word_embeddings = false;
  /** RoPE, standardised as transformers 5 holds it: always `rope_type` and `rope_theta`, then the type's parameters. */
  rope_parameters: RopeParameters = { rope_type: 'default', rope_theta: DEFAULT_ROPE_THETA };
  /** Which config.json field `rope_parameters` came from, so errors name what the file says. */
  #ropeField: 'rope_parameters' | 'rope_scaling' = 'rope_parameters';
  attention_bias = false;
  attention_dropout = 0.0;
  mlp_bias = false;
  /** Equal to hidden_size / num_attention_heads when absent. */
  head_dim: number | null = null;

  protected override assign(dict: Record<string, unknown>): void {
    const rest: Record<string, unknown> = { ...dict };
    for (const key of ROPE_KEYS) delete rest[key];
    super.assign(rest);
    if (this.num_key_value_heads === null || this.num_key_value_heads === undefined) this.num_key_value_heads = this.num_attention_heads;
    if (this.head_dim === null || this.head_dim === undefined) this.head_dim = this.hidden_size / this.num_attention_heads;
    this.rope_parameters = standardizeRopeParameters(dict, this.max_position_embeddings, this.rope_parameters);
    this.#ropeField = ropeFieldOf(dict, this.#ropeField);
  }

  /** transformers 5's alias of `rope_parameters` (the 4.x name); setting it replaces them, keeping `rope_theta` when it has none. */
  get rope_scaling(): RopeParameters {
    return this.rope_parameters;
  }

  set rope_scaling(value: RopeScaling | null) {
    this.rope_parameters = standardizeRopeParameters({ rope_scaling: value }, this.max_position_embeddings, this.rope_parameters);
    this.#ropeField = ropeFieldOf({ rope_scaling: value }, this.#ropeField);
  }

  /** The base period, `rope_parameters.rope_theta` (a top-level field in transformers 4.x). */
  get rope_theta(): number {
    return this.rope_parameters.rope_theta;
  }

  set rope_theta(value: number) {
    this.rope_parameters = standardizeRopeParameters({ rope_theta: value }, this.max_position_embeddings, { ...this.rope_parameters, rope_theta: value });
  }

  /** num_key_value_heads, resolved. */
  get numKvHeads(): number {
    return this.num_key_value_heads ?? this.num_attention_heads;
  }

  /** head_dim, resolved. */
  get headDim(): number {
    return this.head_dim ?? this.hidden_size / this.num_attention_heads;
  }

  /** eos_token_id as a list (empty when null). */
  get eosTokenIds(): number[] {
    const eos = this.eos_token_id;
    return eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
  }

  override validate(): void {
    const positiveInt = (field: string): void => {
      const v = this[field];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new ArgumentError(`config field '${field}' must be a positive integer, got ${JSON.stringify(v)}`);
      }
    };
    if (!Number.isInteger(this.head_dim) && this.hidden_size % this.num_attention_heads !== 0) {
      throw new ArgumentError(`config field 'num_attention_heads' (${this.num_attention_heads}) must divide 'hidden_size' (${this.hidden_size}) when 'head_dim' is absent`);
    }
    for (const field of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'max_position_embeddings', 'pretraining_tp', 'head_dim']) {
      positiveInt(field);
    }
    if (this.num_attention_heads % this.numKvHeads !== 0) {
      throw new ArgumentError(`config field 'num_key_value_heads' (${this.numKvHeads}) must divide 'num_attention_heads' (${this.num_attention_heads})`);
    }
    if (this.headDim % 2 !== 0) throw new ArgumentError(`config field 'head_dim' (${this.headDim}) must be even for rotary embeddings`);
    if (typeof this.rms_norm_eps !== 'number' || !(this.rms_norm_eps > 0)) {
      throw new ArgumentError(`config field 'rms_norm_eps' must be a positive number, got ${JSON.stringify(this.rms_norm_eps)}`);
    }
    if (this.hidden_act !== 'silu') throw new ArgumentError(`config field 'hidden_act' is '${this.hidden_act}'; only 'silu' is supported`);
    for (const field of ['bos_token_id', 'pad_token_id']) {
      const v = this[field];
      if (v !== null && v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        throw new ArgumentError(`config field '${field}' must be a non-negative integer or null, got ${JSON.stringify(v)}`);
      }
    }
    const eos = this.eos_token_id;
    if (eos !== null && eos !== undefined) {
      const list = Array.isArray(eos) ? eos : [eos];
      if (list.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) {
        throw new ArgumentError(`config field 'eos_token_id' must be an integer, a list of integers or null, got ${JSON.stringify(eos)}`);
      }
    }
    validateRopeParameters(this.rope_parameters, this.headDim, this.#ropeField);
  }

  /** Every field, with RoPE in both layouts: `rope_parameters` (transformers 5) and `rope_theta` + `rope_scaling` (4.x). */
  override to_dict(): Record<string, unknown> {
    const out = super.to_dict();
    const { rope_scaling, rope_theta } = ropeScalingOf(this.rope_parameters);
    out.rope_theta = rope_theta;
    out.rope_scaling = rope_scaling;
    return out;
  }
}
