import type { LlamaConfig } from '@cria/config';
import { CriaError, type Tensor, supportsStepCapture } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Linear, Module } from '../nn/module.js';
import { linear, linearMany } from '../nn/ops.js';
import type { ForwardContext } from './forward-context.js';

/** LlamaAttention: q/k/v/o projections, RoPE on q and k, grouped-query causal attention over the cache. */
export class LlamaAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;

  constructor(config: LlamaConfig) {
    super();
    this.numHeads = config.num_attention_heads;
    this.numKvHeads = config.numKvHeads;
    this.headDim = config.headDim;
    const hidden = config.hidden_size;
    this.q_proj = new Linear(hidden, this.numHeads * this.headDim, config.attention_bias);
    this.k_proj = new Linear(hidden, this.numKvHeads * this.headDim, config.attention_bias);
    this.v_proj = new Linear(hidden, this.numKvHeads * this.headDim, config.attention_bias);
    this.o_proj = new Linear(this.numHeads * this.headDim, hidden, config.attention_bias);
  }

  /** x float32 [B, S, hidden] -> float32 [B, S, hidden]; writes this layer's k/v into `cache`. */
  forward(ctx: ForwardContext, x: Tensor, cache: LayerCache): { output: Tensor; attentions?: Tensor } {
    const b = ctx.backend;
    const seqLength = x.shape[1]!;
    const [q0, k0, v] = linearMany(b, x, [this.q_proj, this.k_proj, this.v_proj]) as [Tensor, Tensor, Tensor];
    const q = b.rope(q0, ctx.positions, ctx.invFreq, { numHeads: this.numHeads, headDim: this.headDim, attentionScaling: ctx.attentionScaling });
    const k = b.rope(k0, ctx.positions, ctx.invFreq, { numHeads: this.numKvHeads, headDim: this.headDim, attentionScaling: ctx.attentionScaling });
    q0.dispose();
    k0.dispose();
    const heads = {
      numHeads: this.numHeads,
      numKvHeads: this.numKvHeads,
      headDim: this.headDim,
      scale: 1 / Math.sqrt(this.headDim),
      ...(ctx.mask ? { mask: ctx.mask } : {}),
    };
    let attended: Tensor;
    let attentions: Tensor | undefined;
    if (ctx.devicePosition) {
      // A captured decode step: the cache slot and the valid length are read on the device.
      if (!supportsStepCapture(b)) throw new CriaError(`backend '${b.name}' cannot capture a decode step`);
      b.kvWriteAt(cache.keys, k, ctx.devicePosition.offset);
      b.kvWriteAt(cache.values, v, ctx.devicePosition.offset);
      attended = b.attentionAt(q, cache.keys, cache.values, { ...heads, kvLength: ctx.devicePosition.kvLength });
    } else {
      b.kvWrite(cache.keys, k, ctx.offset);
      b.kvWrite(cache.values, v, ctx.offset);
      const options = { ...heads, kvLength: ctx.offset + seqLength };
      attended = b.attention(q, cache.keys, cache.values, options);
      if (ctx.outputAttentions) attentions = b.attentionWeights(q, cache.keys, options);
    }
    k.dispose();
    v.dispose();
    q.dispose();
    const output = linear(b, attended, this.o_proj);
    attended.dispose();
    return attentions ? { output, attentions } : { output };
  }
}
