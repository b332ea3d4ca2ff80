import type { LlamaConfig } from '@cria/config';
import { CriaError, type Tensor, supportsStepCapture } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Linear, Module } from '../nn/module.js';
import { linear } from '../nn/ops.js';
import type { DevicePosition, ForwardContext } from './forward-context.js';

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
    const q0 = linear(b, x, this.q_proj);
    const k0 = linear(b, x, this.k_proj);
    const v = linear(b, x, this.v_proj);
    const q = b.rope(q0, ctx.positions, ctx.invFreq, { numHeads: this.numHeads, headDim: this.headDim, attentionScaling: ctx.attentionScaling });
    const k = b.rope(k0, ctx.positions, ctx.invFreq, { numHeads: this.numKvHeads, headDim: this.headDim, attentionScaling: ctx.attentionScaling });
    q0.dispose();
    k0.dispose();
    if (ctx.devicePosition) {
      const output = this.#capturedStep(ctx, ctx.devicePosition, q, k, v, cache);
      return { output };
    }
    b.kvWrite(cache.keys, k, ctx.offset);
    b.kvWrite(cache.values, v, ctx.offset);
    k.dispose();
    v.dispose();
    const options = {
      numHeads: this.numHeads,
      numKvHeads: this.numKvHeads,
      headDim: this.headDim,
      kvLength: ctx.offset + seqLength,
      scale: 1 / Math.sqrt(this.headDim),
      ...(ctx.mask ? { mask: ctx.mask } : {}),
    };
    const attended = b.attention(q, cache.keys, cache.values, options);
    const attentions = ctx.outputAttentions ? b.attentionWeights(q, cache.keys, options) : undefined;
    q.dispose();
    const output = linear(b, attended, this.o_proj);
    attended.dispose();
    return attentions ? { output, attentions } : { output };
  }

  /** The decode step of a captured graph: the cache slot and valid length are read on the device. */
  #capturedStep(ctx: ForwardContext, at: DevicePosition, q: Tensor, k: Tensor, v: Tensor, cache: LayerCache): Tensor {
    const b = ctx.backend;
    if (!supportsStepCapture(b)) throw new CriaError(`backend '${b.name}' cannot capture a decode step`);
    b.kvWriteAt(cache.keys, k, at.offset);
    b.kvWriteAt(cache.values, v, at.offset);
    k.dispose();
    v.dispose();
    const attended = b.attentionAt(q, cache.keys, cache.values, {
      numHeads: this.numHeads,
      numKvHeads: this.numKvHeads,
      headDim: this.headDim,
      kvLength: at.kvLength,
      scale: 1 / Math.sqrt(this.headDim),
      ...(ctx.mask ? { mask: ctx.mask } : {}),
    });
    q.dispose();
    const output = linear(b, attended, this.o_proj);
    attended.dispose();
    return output;
  }
}
