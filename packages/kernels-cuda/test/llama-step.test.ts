// bench/llama-step.ts on the emulated device: a 2-layer step (a 4- or 10-token prompt, then 3 decode steps at host positions)
// with q/k/v through linearMany gives bit for bit the logits of the same step with linear per weight, and each step of
// at most 8 tokens runs the segmented matvec once a layer.
import type { Tensor } from '@cria/core';
import { describe, expect, it, vi } from 'vitest';
import { type StepOps, fusedOps, llamaStep, randomLlama, separateOps } from '../bench/llama-step.js';
import type { LlamaShape } from '../bench/model-shapes.js';
import type { CudaBackend } from '../src/backend.js';
import { createEmulatedCudaBackend } from '../src/testing.js';

const TINY: LlamaShape = { name: 'tiny', hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediate: 96, vocab: 200, tied: true };

/** Runs the prompt then 3 decode steps; returns each step's logits (copied before the step disposes them). */
async function stepLogits(backend: CudaBackend, prompt: number, ops: StepOps = fusedOps(backend)): Promise<Float32Array[]> {
  const kept: Tensor[] = [];
  const argmax = backend.argmax.bind(backend);
  backend.argmax = (logits) => {
    kept.push(backend.cast(logits, 'float32'));
    return argmax(logits);
  };
  const w = randomLlama(backend, TINY, 16); // cache slots for the prompt and 3 steps
  let tokens = backend.upload(Int32Array.from({ length: prompt }, (_, i) => (5 + 37 * i) % TINY.vocab), [1, prompt], 'int32');
  let past = 0;
  for (let step = 0; step < 4; step++) {
    const seq = tokens.shape[1]!;
    const positions = backend.upload(Int32Array.from({ length: seq }, (_, i) => past + i), [1, seq], 'int32');
    const next = llamaStep(backend, w, tokens, positions, past, undefined, ops);
    past += seq;
    positions.dispose();
    tokens.dispose();
    tokens = next.view([1, 1]);
    next.dispose();
  }
  tokens.dispose();
  w.dispose();
  const logits = await Promise.all(kept.map(async (t) => (await backend.read(t)) as Float32Array));
  for (const t of kept) t.dispose();
  return logits;
}

describe('bench/llama-step on the emulated device', () => {
  it.each([
    [4, 4],
    [10, 3],
  ])('projects q, k, v with linearMany (%i-token prompt): %i segmented matvec launches a layer, logits bit for bit linear per weight', async (prompt, steps) => {
    const fused = createEmulatedCudaBackend();
    const launches = vi.spyOn(fused.context, 'linearMany');
    const plain = createEmulatedCudaBackend();
    plain.linearMany = (x, weights) => weights.map((weight) => plain.linear(x, weight)); // the reference: linear per weight
    const plainLaunches = vi.spyOn(plain.context, 'linearMany');
    const [got, want] = [await stepLogits(fused, prompt), await stepLogits(plain, prompt)];
    expect(got).toHaveLength(4);
    got.forEach((g, step) => expect(Array.from(g), `step ${step}`).toEqual(Array.from(want[step]!)));
    // Steps of at most 8 tokens (each decode step; a 4-token prompt) run the segmented matvec; a 10-token prompt runs linear per weight.
    expect(launches).toHaveBeenCalledTimes(steps * TINY.layers);
    expect(plainLaunches).not.toHaveBeenCalled();
    fused.dispose();
    plain.dispose();
  });
});

describe('bench/llama-step: fused and separate ops (what perf times against each other)', () => {
  it.each([4, 10])('give bit for bit the same logits (%i-token prompt, 3 decode steps); separate runs no fused launch', async (prompt) => {
    const fused = createEmulatedCudaBackend();
    const separate = createEmulatedCudaBackend();
    const fusedLaunches = ['linearMany', 'linearSiluMul', 'addRmsNorm'].map((op) => vi.spyOn(separate.context, op as 'linearMany'));
    const addRmsNorms = vi.spyOn(fused.context, 'addRmsNorm');
    const [got, want] = [await stepLogits(fused, prompt), await stepLogits(separate, prompt, separateOps(separate))];
    expect(got).toHaveLength(4);
    got.forEach((g, step) => expect(Array.from(g), `step ${step}`).toEqual(Array.from(want[step]!)));
    for (const launch of fusedLaunches) expect(launch).not.toHaveBeenCalled();
    // Two a layer at each decode step; the prompt's last layer ends in a plain add (its final norm runs on the last row).
    expect(addRmsNorms).toHaveBeenCalledTimes(4 * 2 * TINY.layers - 1);
    fused.dispose();
    separate.dispose();
  });
});
