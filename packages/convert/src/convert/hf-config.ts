// config.json and generation_config.json as the seed's conversion script writes them.
import { GenerationConfig, LlamaConfig } from '@cria/config';
import { computeIntermediateSize, type MetaParams } from './meta-params.js';
import { CONTEXT_LENGTH_FOR_VERSION, isLlama3, type LlamaVersion } from './llama-versions.js';

export interface HfConfigOptions {
  version: LlamaVersion;
  vocabSize: number;
  instruct: boolean;
  /** The dtype the weights are written in ('bfloat16', 'float16', 'float32'). */
  torchDtype: string;
}

export function tokenIds(version: LlamaVersion, instruct: boolean): { bos: number; eos: number | number[] } {
  if (isLlama3(version)) return { bos: 128000, eos: instruct ? [128001, 128008, 128009] : 128001 };
  return { bos: 1, eos: 2 };
}

/**
 * The LlamaConfig fields the script sets, plus the defaults transformers writes beside them, keys
 * sorted as transformers' to_json_string does. Validated by @cria/config's LlamaConfig.
 */
export function buildHfConfig(params: MetaParams, options: HfConfigOptions): Record<string, unknown> {
  const { version } = options;
  const base = params.rope_theta ?? 10000.0;
  const maxPositionEmbeddings = base > 10000.0 && !isLlama3(version) ? 16384 : CONTEXT_LENGTH_FOR_VERSION[version];
  const { bos, eos } = tokenIds(version, options.instruct);
  const scaled = version === '3.1' || version === '3.2' || version === 'Guard-3' || params.use_scaled_rope === true;
  const ropeScaling = scaled
    ? { factor: version === '3.2' ? 32.0 : 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' }
    : null;
  const config: Record<string, unknown> = {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: bos,
    eos_token_id: eos,
    head_dim: params.dim / params.n_heads,
    hidden_act: 'silu',
    hidden_size: params.dim,
    initializer_range: 0.02,
    intermediate_size: computeIntermediateSize(params.dim, params.ffn_dim_multiplier ?? 1, params.multiple_of ?? 256),
    max_position_embeddings: maxPositionEmbeddings,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: params.n_heads,
    num_hidden_layers: params.n_layers,
    num_key_value_heads: params.n_kv_heads ?? params.n_heads,
    pretraining_tp: 1,
    rms_norm_eps: params.norm_eps,
    rope_scaling: ropeScaling,
    rope_theta: base,
    tie_word_embeddings: version === '3.2',
    torch_dtype: options.torchDtype,
    use_cache: true,
    vocab_size: options.vocabSize,
  };
  LlamaConfig.from_dict(config); // throws an ArgumentError naming the field if anything is off
  return config;
}

/** generation_config.json: the script writes sampling defaults with the token ids. */
export function buildGenerationConfig(version: LlamaVersion, instruct: boolean): Record<string, unknown> {
  const { bos, eos } = tokenIds(version, instruct);
  const config = { bos_token_id: bos, do_sample: true, eos_token_id: eos, temperature: 0.6, top_p: 0.9 };
  new GenerationConfig(config); // validates
  return config;
}

/** JSON as Python's json.dumps(indent=2) writes it (floats keep a '.0'). */
export function pythonJson(value: unknown): string {
  return serialize(value, '') + '\n';
}

const FLOAT_FIELDS = new Set(['attention_dropout', 'initializer_range', 'rms_norm_eps', 'rope_theta', 'factor', 'low_freq_factor', 'high_freq_factor', 'temperature', 'top_p']);

function serialize(value: unknown, indent: string, key?: string): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (key !== undefined && FLOAT_FIELDS.has(key) && Number.isInteger(value)) return `${value}.0`;
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + serialize(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${serialize(v, inner, k)}`).join(',\n')}\n${indent}}`;
}
