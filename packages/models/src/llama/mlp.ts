import type { LlamaConfig } from '@cria/config';
import type { Tensor } from '@cria/core';
import { Linear, Module } from '../nn/module.js';
import { linear, linearSiluMul } from '../nn/ops.js';
import { Scope } from '../nn/scope.js';
import type { ForwardContext } from './forward-context.js';

/** LlamaMLP: down_proj(silu(gate_proj(x)) * up_proj(x)). */
export class LlamaMLP extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;

  constructor(config: LlamaConfig) {
    super();
    this.gate_proj = new Linear(config.hidden_size, config.intermediate_size, config.mlp_bias);
    this.up_proj = new Linear(config.hidden_size, config.intermediate_size, config.mlp_bias);
    this.down_proj = new Linear(config.intermediate_size, config.hidden_size, config.mlp_bias);
  }

  forward(ctx: ForwardContext, x: Tensor): Tensor {
    using scope = new Scope();
    const b = ctx.backend;
    return linear(b, scope.own(linearSiluMul(b, x, this.gate_proj, this.up_proj)), this.down_proj);
  }
}
