// linearSiluMul: silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias) -> float32 [..., M], gate and up [M, K] in their
// stored dtype. The gated variants of linear's kernels (linear-sources.ts): one dispatch per weight chunk.
import type { LinearShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { projectRows } from './linear.js';

/** On arguments checked by core's checkLinearSiluMul (its sizes): gate and up of one shape and dtype, both biases or neither. */
export function linearSiluMul(ctx: KernelContext, x: Tensor, gate: Tensor, up: Tensor, gateBias: Tensor | undefined, upBias: Tensor | undefined, shape: LinearShape): Tensor {
  return projectRows(ctx, 'linearSiluMul', x, shape, [gate, up], gateBias && upBias ? [gateBias, upBias] : []);
}
