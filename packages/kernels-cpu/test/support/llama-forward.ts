// A LLaMA forward pass built only from Backend ops, following transformers' modeling_llama, to check
// the cpu kernels end to end against the fixtures' golden outputs. (The real model lives in @cria/models.)
import type { Backend, Tensor } from '@cria/core';
import type { StoredTensor } from './checkpoint.js';

export interface LlamaConfigJson {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim?: number;
  rms_norm_eps: number;
  rope_theta: number;
  rope_scaling: null | { rope_type: string; factor: number; low_freq_factor: number; high_freq_factor: number; original_max_position_embeddings: number };
  attention_bias: boolean;
  mlp_bias: boolean;
  tie_word_embeddings: boolean;
}

/** transformers' inverse frequencies: default, or llama3 (the only scaled type these tests use). */
export function inverseFrequencies(config: LlamaConfigJson, headDim: number): Float32Array {
  const base = Float32Array.from({ length: headDim / 2 }, (_, i) => 1 / config.rope_theta ** Math.fround((2 * i) / headDim));
  const scaling = config.rope_scaling;
  if (!scaling) return base;
  if (scaling.rope_type !== 'llama3') throw new Error(`rope type ${scaling.rope_type} is not used by these tests`);
  const { factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: oldContext } = scaling;
  return base.map((f) => {
    const wavelength = (2 * Math.PI) / f;
    if (wavelength < oldContext / high) return f;
    if (wavelength > oldContext / low) return f / factor;
    const smooth = (oldContext / wavelength - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

export interface ForwardInputs {
  ids: number[][];
  positions: number[][];
  mask?: number[][];
}

export interface ForwardOutputs {
  firstLayerOut: Float32Array;
  lastHidden: Float32Array;
  /** Logits of every token [B, S, V] (allTokens) or of the last one [B, V]. */
  logits: Float32Array;
}

export async function llamaForward(
  backend: Backend,
  config: LlamaConfigJson,
  weights: ReadonlyMap<string, StoredTensor>,
  inputs: ForwardInputs,
  allTokenLogits: boolean,
): Promise<ForwardOutputs> {
  const uploaded = new Map<string, Tensor>();
  const w = (name: string): Tensor => {
    let t = uploaded.get(name);
    if (!t) {
      const stored = weights.get(name);
      if (!stored) throw new Error(`weight ${name} is missing`);
      t = backend.upload(stored.data, stored.shape, stored.dtype);
      uploaded.set(name, t);
    }
    return t;
  };
  const optional = (name: string): Tensor | undefined => (weights.has(name) ? w(name) : undefined);

  const batch = inputs.ids.length;
  const seq = inputs.ids[0]!.length;
  const numHeads = config.num_attention_heads;
  const numKvHeads = config.num_key_value_heads;
  const headDim = config.head_dim ?? config.hidden_size / numHeads;
  const eps = config.rms_norm_eps;
  const ids = backend.upload(Int32Array.from(inputs.ids.flat()), [batch, seq], 'int32');
  const positions = backend.upload(Int32Array.from(inputs.positions.flat()), [batch, seq], 'int32');
  const invFreq = backend.upload(inverseFrequencies(config, headDim), [headDim / 2], 'float32');
  const mask = inputs.mask && backend.upload(Int32Array.from(inputs.mask.flat()), [batch, seq], 'int32');
  const rope = { numHeads, headDim, attentionScaling: 1 };

  let hidden = backend.embedding(w('model.embed_tokens.weight'), ids);
  let firstLayerOut: Float32Array | undefined;
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}.`;
    const normed = backend.rmsNorm(hidden, w(`${p}input_layernorm.weight`), eps);
    const q = backend.rope(backend.linear(normed, w(`${p}self_attn.q_proj.weight`), optional(`${p}self_attn.q_proj.bias`)), positions, invFreq, rope);
    const k = backend.rope(backend.linear(normed, w(`${p}self_attn.k_proj.weight`), optional(`${p}self_attn.k_proj.bias`)), positions, invFreq, { ...rope, numHeads: numKvHeads });
    const v = backend.linear(normed, w(`${p}self_attn.v_proj.weight`), optional(`${p}self_attn.v_proj.bias`));
    const kCache = backend.zeros([batch, numKvHeads, seq, headDim], 'float32');
    const vCache = backend.zeros([batch, numKvHeads, seq, headDim], 'float32');
    backend.kvWrite(kCache, k, 0);
    backend.kvWrite(vCache, v, 0);
    const attended = backend.attention(q, kCache, vCache, { numHeads, numKvHeads, headDim, kvLength: seq, scale: 1 / Math.sqrt(headDim), ...(mask ? { mask } : {}) });
    hidden = backend.add(hidden, backend.linear(attended, w(`${p}self_attn.o_proj.weight`), optional(`${p}self_attn.o_proj.bias`)));
    const normed2 = backend.rmsNorm(hidden, w(`${p}post_attention_layernorm.weight`), eps);
    const gate = backend.linear(normed2, w(`${p}mlp.gate_proj.weight`), optional(`${p}mlp.gate_proj.bias`));
    const up = backend.linear(normed2, w(`${p}mlp.up_proj.weight`), optional(`${p}mlp.up_proj.bias`));
    hidden = backend.add(hidden, backend.linear(backend.siluMul(gate, up), w(`${p}mlp.down_proj.weight`), optional(`${p}mlp.down_proj.bias`)));
    if (layer === 0) firstLayerOut = (await backend.read(hidden)) as Float32Array;
  }
  const last = backend.rmsNorm(hidden, w('model.norm.weight'), eps);
  const head = w(config.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  let logitsInput = last;
  if (!allTokenLogits) {
    // The last token of each row, gathered with embedding (a row gather).
    const lastRows = backend.upload(Int32Array.from({ length: batch }, (_, b) => b * seq + seq - 1), [batch], 'int32');
    logitsInput = backend.embedding(last.view([batch * seq, config.hidden_size]), lastRows);
  }
  const logits = backend.linear(logitsInput, head);
  return { firstLayerOut: firstLayerOut!, lastHidden: (await backend.read(last)) as Float32Array, logits: (await backend.read(logits)) as Float32Array };
}
