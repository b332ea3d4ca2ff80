import type { LlamaConfig } from '@cria/config';
import type { Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Module, RMSNorm } from '../nn/module.js';
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

  /** hidden float32 [B, S, H] -> the next hidden state (the input is not disposed). */
  forward(ctx: ForwardContext, hidden: Tensor, cache: LayerCache): LayerOutput {
    const b = ctx.backend;
    const normed = b.rmsNorm(hidden, this.input_layernorm.weight.value, this.input_layernorm.eps);
    const { output, attentions } = this.self_attn.forward(ctx, normed, cache);
    normed.dispose();
    const afterAttention = b.add(hidden, output);
    output.dispose();
    const normed2 = b.rmsNorm(afterAttention, this.post_attention_layernorm.weight.value, this.post_attention_layernorm.eps);
    const mlpOut = this.mlp.forward(b, normed2);
    normed2.dispose();
    const next = b.add(afterAttention, mlpOut);
    afterAttention.dispose();
    mlpOut.dispose();
    return attentions ? { hidden: next, attentions } : { hidden: next };
  }
}
