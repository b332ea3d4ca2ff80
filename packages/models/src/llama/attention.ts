import type { LlamaConfig } from '@cria/config';
import type { Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Linear, Module } from '../nn/module.js';
import { linear, linearMany } from '../nn/ops.js';
import { Scope } from '../nn/scope.js';
import type { ForwardContext } from './forward-context.js';
import type { AttentionHeads } from './kv-access.js';

/** LlamaAttention: q/k/v/o projections, RoPE on q and k, grouped-query causal attention over the cache. */
export class LlamaAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly heads: AttentionHeads;

  constructor(config: LlamaConfig) {
    super();
    const { num_attention_heads: numHeads, numKvHeads, headDim, hidden_size: hidden } = config;
    this.heads = { numHeads, numKvHeads, headDim, scale: 1 / Math.sqrt(headDim) };
    this.q_proj = new Linear(hidden, numHeads * headDim, config.attention_bias);
    this.k_proj = new Linear(hidden, numKvHeads * headDim, config.attention_bias);
    this.v_proj = new Linear(hidden, numKvHeads * headDim, config.attention_bias);
    this.o_proj = new Linear(numHeads * headDim, hidden, config.attention_bias);
  }

  /** x float32 [B, S, hidden] -> float32 [B, S, hidden]; writes this layer's k and v into `cache`. */
  forward(ctx: ForwardContext, x: Tensor, cache: LayerCache): { output: Tensor; attentions?: Tensor } {
    using scope = new Scope();
    const { backend: b, positions, invFreq, attentionScaling } = ctx;
    const { numHeads, numKvHeads, headDim } = this.heads;
    const [queries, keys, values] = scope.own(linearMany(b, x, [this.q_proj, this.k_proj, this.v_proj])) as [Tensor, Tensor, Tensor];
    const q = scope.own(b.rope(queries, positions, invFreq, { numHeads, headDim, attentionScaling }));
    const k = scope.own(b.rope(keys, positions, invFreq, { numHeads: numKvHeads, headDim, attentionScaling }));
    const { output, weights } = ctx.kv.attend(b, q, k, values, cache, this.heads);
    scope.own(output);
    return { output: linear(b, output, this.o_proj), ...(weights ? { attentions: weights } : {}) };
  }
}
