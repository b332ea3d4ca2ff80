import type { LlamaConfig } from '@cria/config';
import type { Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Module, RMSNorm } from '../nn/module.js';
import { addRmsNorm, rmsNorm } from '../nn/ops.js';
import { LlamaAttention } from './attention.js';
import type { ForwardContext, LayerOutput } from './forward-context.js';
import { LlamaMLP } from './mlp.js';

/** Pre-norm residual block: h + attn(norm(h)), then h + mlp(norm(h)). */
export class LlamaDecoderLayer extends Module {
  readonly self_attn: LlamaAttention;
  readonly mlp: LlamaMLP;
  readonly input_layernorm: RMSNorm;
  readonly post_attention_layernorm: RMSNorm;

  constructor(config: LlamaConfig) {
    super();
    this.self_attn = new LlamaAttention(config);
    this.mlp = new LlamaMLP(config);
    this.input_layernorm = new RMSNorm(config.hidden_size, config.rms_norm_eps);
    this.post_attention_layernorm = new RMSNorm(config.hidden_size, config.rms_norm_eps);
  }

  /**
   * hidden float32 [B, S, H] -> the next hidden state (the input is not disposed). `normed` is
   * input_layernorm(hidden) when the caller has it (the previous layer computed it with its last add); else it
   * is computed here. With `nextNorm` (the next layer's input_layernorm, or the model's final norm) the last
   * residual add and that norm run as one op and `nextNormed` is returned too.
   */
  forward(ctx: ForwardContext, hidden: Tensor, cache: LayerCache, normed?: Tensor, nextNorm?: RMSNorm): LayerOutput & { nextNormed?: Tensor } {
    const b = ctx.backend;
    const input = normed ?? rmsNorm(b, hidden, this.input_layernorm);
    const { output, attentions } = this.self_attn.forward(ctx, input, cache);
    if (!normed) input.dispose();
    const { sum: afterAttention, normed: normed2 } = addRmsNorm(b, hidden, output, this.post_attention_layernorm);
    output.dispose();
    const mlpOut = this.mlp.forward(b, normed2);
    normed2.dispose();
    let next: Tensor;
    let nextNormed: Tensor | undefined;
    if (nextNorm) {
      ({ sum: next, normed: nextNormed } = addRmsNorm(b, afterAttention, mlpOut, nextNorm));
    } else {
      next = b.add(afterAttention, mlpOut);
    }
    afterAttention.dispose();
    mlpOut.dispose();
    return { hidden: next, ...(attentions ? { attentions } : {}), ...(nextNormed ? { nextNormed } : {}) };
  }
}
