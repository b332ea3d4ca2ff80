// A LLaMA forward pass built only from Backend ops, following transformers' modeling_llama, to check
// the cpu kernels end to end against the fixtures' golden outputs. (The real model lives in @cria/models.)
import type { Backend, Tensor } from '@cria/core';
import type { StoredTensor } from './checkpoint.js';

export interface LlamaConfigJson {
  vocab_size: number;
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

export interface StepInputs {
  /** [B, S] token ids and positions for the S new tokens. */
  ids: number[][];
  positions: number[][];
  /** Optional padding mask over every cache slot so far and the new ones: [B, past + S]. */
  mask?: number[][];
}

export interface StepOutputs {
  firstLayerOut: Float32Array;
  lastHidden: Float32Array;
  /** Logits of every new token [B, S, V] (allTokens) or of the last one [B, V]. */
  logits: Float32Array;
}

/** A LLaMA over Backend ops with its own KV cache (one [B, numKvHeads, maxLength, headDim] pair per layer). */
export class LlamaOverOps {
  readonly #uploaded = new Map<string, Tensor>();
  readonly #caches: { k: Tensor; v: Tensor }[] = [];
  readonly #numHeads: number;
  readonly #numKvHeads: number;
  readonly #headDim: number;
  readonly #invFreq: Tensor;
  #length = 0;

  constructor(
    readonly backend: Backend,
    readonly config: LlamaConfigJson,
    readonly weights: ReadonlyMap<string, StoredTensor>,
    readonly batch: number,
    readonly maxLength: number,
  ) {
    this.#numHeads = config.num_attention_heads;
    this.#numKvHeads = config.num_key_value_heads;
    this.#headDim = config.head_dim ?? config.hidden_size / this.#numHeads;
    this.#invFreq = backend.upload(inverseFrequencies(config, this.#headDim), [this.#headDim / 2], 'float32');
    for (let layer = 0; layer < config.num_hidden_layers; layer++) {
      const shape = [batch, this.#numKvHeads, maxLength, this.#headDim];
      this.#caches.push({ k: backend.zeros(shape, 'float32'), v: backend.zeros(shape, 'float32') });
    }
  }

  #w(name: string): Tensor {
    let t = this.#uploaded.get(name);
    if (!t) {
      const stored = this.weights.get(name);
      if (!stored) throw new Error(`weight ${name} is missing`);
      t = this.backend.upload(stored.data, stored.shape, stored.dtype);
      this.#uploaded.set(name, t);
    }
    return t;
  }

  #linear(x: Tensor, name: string): Tensor {
    return this.backend.linear(x, this.#w(`${name}.weight`), this.weights.has(`${name}.bias`) ? this.#w(`${name}.bias`) : undefined);
  }

  /** Runs S new tokens through the model, appending their keys and values to the cache. */
  async step(inputs: StepInputs, allTokenLogits: boolean): Promise<StepOutputs> {
    const { backend, config, batch } = this;
    const seq = inputs.ids[0]!.length;
    const offset = this.#length;
    const kvLength = offset + seq;
    const [numHeads, numKvHeads, headDim] = [this.#numHeads, this.#numKvHeads, this.#headDim];
    const eps = config.rms_norm_eps;
    const ids = backend.upload(Int32Array.from(inputs.ids.flat()), [batch, seq], 'int32');
    const positions = backend.upload(Int32Array.from(inputs.positions.flat()), [batch, seq], 'int32');
    const mask = inputs.mask && backend.upload(Int32Array.from(inputs.mask.flat()), [batch, kvLength], 'int32');
    const rope = { numHeads, headDim, attentionScaling: 1 };

    let hidden = backend.embedding(this.#w('model.embed_tokens.weight'), ids);
    let firstLayerOut: Float32Array | undefined;
    for (let layer = 0; layer < config.num_hidden_layers; layer++) {
      const p = `model.layers.${layer}.`;
      const { k: kCache, v: vCache } = this.#caches[layer]!;
      const normed = backend.rmsNorm(hidden, this.#w(`${p}input_layernorm.weight`), eps);
      const q = backend.rope(this.#linear(normed, `${p}self_attn.q_proj`), positions, this.#invFreq, rope);
      const k = backend.rope(this.#linear(normed, `${p}self_attn.k_proj`), positions, this.#invFreq, { ...rope, numHeads: numKvHeads });
      backend.kvWrite(kCache, k, offset);
      backend.kvWrite(vCache, this.#linear(normed, `${p}self_attn.v_proj`), offset);
      const attended = backend.attention(q, kCache, vCache, { numHeads, numKvHeads, headDim, kvLength, scale: 1 / Math.sqrt(headDim), ...(mask ? { mask } : {}) });
      hidden = backend.add(hidden, this.#linear(attended, `${p}self_attn.o_proj`));
      const normed2 = backend.rmsNorm(hidden, this.#w(`${p}post_attention_layernorm.weight`), eps);
      const gated = backend.siluMul(this.#linear(normed2, `${p}mlp.gate_proj`), this.#linear(normed2, `${p}mlp.up_proj`));
      hidden = backend.add(hidden, this.#linear(gated, `${p}mlp.down_proj`));
      if (layer === 0) firstLayerOut = (await backend.read(hidden)) as Float32Array;
    }
    this.#length = kvLength;
    const last = backend.rmsNorm(hidden, this.#w('model.norm.weight'), eps);
    const head = this.#w(config.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
    let logitsInput = last;
    if (!allTokenLogits) {
      // The last token of each row, gathered with embedding (a row gather).
      const lastRows = backend.upload(Int32Array.from({ length: batch }, (_, b) => b * seq + seq - 1), [batch], 'int32');
      logitsInput = backend.embedding(last.view([batch * seq, config.hidden_size]), lastRows);
    }
    const logits = backend.linear(logitsInput, head);
    return { firstLayerOut: firstLayerOut!, lastHidden: (await backend.read(last)) as Float32Array, logits: (await backend.read(logits)) as Float32Array };
  }
}
