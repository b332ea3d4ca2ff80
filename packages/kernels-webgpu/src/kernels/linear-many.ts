// linearMany: x·Wᵢᵀ + bᵢ for several weights of one K (attention's q, k, v) -> float32 [..., M_i] each. The weights
// that fit one dispatch (each in one buffer, x + weights + biases + outputs within the device's storage buffers per
// stage) run as linear-sources.ts's segmented kernel, a group at a time; a weight split across buffers, or a group of
// one, runs as `linear`. Every output holds the numbers `linear` gives with that weight.
import { ArgumentError, type Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { expectRank, expectShape, lastDim } from '../validate.js';
import { projectRows, projectSegments } from './linear.js';

const show = (t: Tensor) => `[${t.shape.join(', ')}] ${t.dtype}`;

/**
 * What must hold before the inputs can be listed and their dtypes checked: weights a non-empty array, biases left
 * out or one for each weight.
 */
export function checkManyLists(weights: unknown, biases: unknown): void {
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new ArgumentError(`linearMany: weights must be a non-empty array of tensors, got ${Array.isArray(weights) ? 'an empty array' : typeof weights}`);
  }
  if (biases !== undefined && (!Array.isArray(biases) || biases.length !== weights.length)) {
    const got = Array.isArray(biases) ? `${biases.length}` : typeof biases;
    throw new ArgumentError(`linearMany: biases must hold one tensor for each of the ${weights.length} weights, or be left out, got ${got}`);
  }
}

/** What the dtype check of `supports` cannot say by argument: the weights of one dtype, the biases of one dtype. */
export function checkManyDTypes(weights: readonly Tensor[], biases: readonly Tensor[] | undefined): void {
  const same = (list: readonly Tensor[], name: string) => list.forEach((t, i) => {
    if (t.dtype !== list[0]!.dtype) throw new ArgumentError(`linearMany: ${name}[${i}] ${show(t)} must have ${name}[0]'s dtype (${name}[0] is ${show(list[0]!)})`);
  });
  same(weights, 'weights');
  if (biases) same(biases, 'biases');
}

/** Storage buffers one segmented dispatch of `count` weights binds: x, the weights, their biases, the outputs. */
export function manyBindings(count: number, withBiases: boolean): number {
  return 1 + count * (withBiases ? 3 : 2);
}

/** Checks the shapes, then runs the weights in as few dispatches as the device's bindings and the weights' chunks allow. */
export function linearMany(ctx: KernelContext, x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
  expectRank('linearMany', 'x', x, 1, true);
  const k = lastDim(x);
  weights.forEach((w, i) => {
    expectRank('linearMany', `weights[${i}]`, w, 2);
    if (w.shape[1] !== k) throw new ArgumentError(`linearMany: weights[${i}] ${show(w)} must have x's K = ${k} in_features (x is ${show(x)})`);
    if (biases) expectShape('linearMany', `biases[${i}] (weights[${i}]'s out_features)`, biases[i]!, [w.shape[0]!]);
  });
  if (k === 0) throw new ArgumentError(`linearMany: weights[0] ${show(weights[0]!)} has K = 0`);
  const rows = x.size / k;
  const outs: (Tensor | undefined)[] = weights.map(() => undefined);
  const alone = (i: number) => (outs[i] = projectRows(ctx, 'linearMany', x, [weights[i]!], biases ? [biases[i]!] : []));

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
    const groupOuts = group.map((i) => (outs[i] = ctx.output([...x.shape.slice(0, -1), weights[i]!.shape[0]!], 'float32')));
    projectSegments(ctx, x, group.map((i) => weights[i]!), biases ? group.map((i) => biases[i]!) : [], groupOuts);
  }
  return outs.map((t) => t!);
}
