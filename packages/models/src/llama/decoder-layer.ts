import type { LlamaConfig } from '@cria/config';
import type { Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';
import { Module, RMSNorm } from '../nn/module.js';
import type { ResidualStream } from '../nn/residual.js';
import { Scope } from '../nn/scope.js';
import { LlamaAttention } from './attention.js';
import type { ForwardContext } from './forward-context.js';
import { LlamaMLP } from './mlp.js';

/** Pre-norm residual block: h = h + attn(norm(h)), then h = h + mlp(norm(h)). */
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
   * Advances the residual stream `h` (float32 [B, S, hidden]) through the block; writes this layer's k and v into
   * `cache`. Returns the attention probabilities when the pass materialises them.
   */
  forward(ctx: ForwardContext, h: ResidualStream, cache: LayerCache): { attentions?: Tensor } {
    using scope = new Scope();
    const { output, attentions } = this.self_attn.forward(ctx, scope.own(h.norm(this.input_layernorm)), cache);
    h.add(output);
    h.add(this.mlp.forward(ctx, scope.own(h.norm(this.post_attention_layernorm))));
    return attentions ? { attentions } : {};
  }
}
