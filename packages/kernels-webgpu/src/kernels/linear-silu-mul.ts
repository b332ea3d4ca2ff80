// linearSiluMul: silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias) -> float32 [..., M], gate and up [M, K] in their
// stored dtype. The gated variants of linear's kernels (linear-sources.ts): one dispatch per weight chunk.
import { ArgumentError, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectRank, expectShape, lastDim } from '../validate.js';
import { projectRows } from './linear.js';

const show = (t: Tensor) => `[${t.shape.join(', ')}] ${t.dtype}`;

/**
 * What the dtype check of `supports` cannot say by argument: gateBias and upBias both or neither, up of gate's
 * dtype, upBias of gateBias's dtype. Run before the dtypes are checked, so the error names the argument.
 */
export function checkGatedPairs(gate: Tensor, up: Tensor, gateBias: Tensor | undefined, upBias: Tensor | undefined): void {
  if ((gateBias == null) !== (upBias == null)) {
    throw new ArgumentError(`linearSiluMul: gateBias and upBias must be given together, got ${gateBias == null ? 'upBias alone' : 'gateBias alone'}`);
  }
  if (up.dtype !== gate.dtype) throw new ArgumentError(`linearSiluMul: up ${show(up)} must have gate's dtype (gate is ${show(gate)})`);
  if (gateBias && upBias && upBias.dtype !== gateBias.dtype) {
    throw new ArgumentError(`linearSiluMul: upBias ${show(upBias)} must have gateBias's dtype (gateBias is ${show(gateBias)})`);
  }
}

export function linearSiluMul(ctx: KernelContext, x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
  checkGatedPairs(gate, up, gateBias, upBias);
  expectRank('linearSiluMul', 'x', x, 1, true);
  expectRank('linearSiluMul', 'gate', gate, 2);
  expectShape('linearSiluMul', "up (gate's shape)", up, gate.shape);
  const [m, k] = gate.shape as [number, number];
  if (lastDim(x) !== k) {
    throw new ArgumentError(`linearSiluMul: x [${x.shape.join(', ')}] must end in K = ${k} (gate is [${gate.shape.join(', ')}])`);
  }
  if (gateBias && upBias) {
    expectShape('linearSiluMul', "gateBias (gate's out_features)", gateBias, [m]);
    expectShape('linearSiluMul', "upBias (up's out_features)", upBias, [m]);
    return projectRows(ctx, 'linearSiluMul', x, [gate, up], [gateBias, upBias]);
  }
  return projectRows(ctx, 'linearSiluMul', x, [gate, up], []);
}
