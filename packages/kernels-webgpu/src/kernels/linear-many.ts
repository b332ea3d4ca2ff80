// linearMany: x·Wᵢᵀ + bᵢ for several weights of one K (attention's q, k, v) -> float32 [..., M_i] each. The weights
// that fit one dispatch (each in one buffer, x + weights + biases + outputs within the device's storage buffers per
// stage) run as linear-sources.ts's segmented kernel, a group at a time; a weight split across buffers, or a group of
// one, runs as `linear`. Every output holds the numbers `linear` gives with that weight.
import type { Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { projectRows, projectSegments } from './linear.js';

/** Storage buffers one segmented dispatch of `count` weights binds: x, the weights, their biases, the outputs. */
export function manyBindings(count: number, withBiases: boolean): number {
  return 1 + count * (withBiases ? 3 : 2);
}

/**
 * On arguments checked by core's checkLinearMany (its sizes; K > 0 by limits.ts): runs the weights in as few dispatches
 * as the device's bindings and the weights' chunks allow.
 */
export function linearMany(ctx: KernelContext, x: Tensor, weights: readonly Tensor[], biases: readonly Tensor[] | undefined, shape: { rows: number; k: number; ms: readonly number[]; outShapes: readonly (readonly number[])[] }): Tensor[] {
  const { rows, k } = shape;
  const outs: (Tensor | undefined)[] = weights.map(() => undefined);
  const alone = (i: number) => (outs[i] = projectRows(ctx, 'linearMany', x, { rows, k, m: shape.ms[i]!, outShape: [...shape.outShapes[i]!] }, [weights[i]!], biases ? [biases[i]!] : []));

  // A weight split across buffers (or with no columns, or no rows to project) runs as linear; the rest in groups.
  const fusable = weights.flatMap((w, i) => (rows > 0 && w.shape[0]! > 0 && ctx.chunks(w).buffers.length === 1 ? [i] : []));
  weights.forEach((_, i) => {
    if (!fusable.includes(i)) alone(i);
  });
  const perGroup = Math.max(1, Math.floor((ctx.maxStorageBuffers - 1) / (biases ? 3 : 2)));
  for (let at = 0; at < fusable.length; at += perGroup) {
    const group = fusable.slice(at, at + perGroup);
    if (group.length === 1) {
      alone(group[0]!);
      continue;
    }
    const groupOuts = group.map((i) => (outs[i] = ctx.output(shape.outShapes[i]!, 'float32')));
    projectSegments(ctx, x, group.map((i) => weights[i]!), biases ? group.map((i) => biases[i]!) : [], groupOuts);
  }
  return outs.map((t) => t!);
}
