// Picks each row's next token from the last position's logits, reading back only what the plan needs.
import { type Backend, CriaError, type Tensor } from '@cria/core';
import { type RowState, argmax, probabilities } from './logits-processors.js';
import type { ProcessorList } from './processor-list.js';
import { sampleIndex } from './prng.js';
import type { ReadbackPlan } from './readback-plan.js';
import { sampleFromCandidates } from './topk-candidates.js';

export class TokenPicker {
  constructor(
    readonly plan: ReadbackPlan,
    private readonly backend: Backend,
    private readonly list: ProcessorList,
    private readonly doSample: boolean,
    private readonly random: () => number,
  ) {}

  /** logits: float32 [B, 1, V] (or [B, V]) of the last position of each row; rows: what the processors see. */
  async pick(logits: Tensor, rows: readonly RowState[]): Promise<number[]> {
    const vocab = logits.shape[logits.shape.length - 1]!;
    if (logits.size !== rows.length * vocab) throw new CriaError(`TokenPicker: logits [${logits.shape.join(', ')}] must hold one row of ${vocab} per sequence (${rows.length})`);
    switch (this.plan.kind) {
      case 'argmax':
        return this.#argmax(logits);
      case 'topk':
        return this.#topk(logits, rows, this.plan.k);
      case 'full':
        return this.#full(logits, rows, vocab);
    }
  }

  async #argmax(logits: Tensor): Promise<number[]> {
    const ids = this.backend.argmax(logits);
    try {
      return Array.from((await ids.toArray()) as Int32Array);
    } finally {
      ids.dispose();
    }
  }

  async #topk(logits: Tensor, rows: readonly RowState[], k: number): Promise<number[]> {
    const { values, indices } = this.backend.topk(logits, k + 1);
    let best: Float32Array;
    let ids: Int32Array;
    try {
      const [valueData, indexData] = await Promise.all([values.toArray(), indices.toArray()]); // one wait for both
      best = valueData as Float32Array;
      ids = indexData as Int32Array;
    } finally {
      values.dispose();
      indices.dispose();
    }
    const vocab = logits.shape[logits.shape.length - 1]!;
    let all: Float32Array | undefined;
    const tokens: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const at = i * (k + 1);
      const token = sampleFromCandidates(best.subarray(at, at + k + 1), ids.subarray(at, at + k + 1), this.list, rows[i]!, this.random);
      if (token !== null) {
        tokens.push(token);
        continue;
      }
      all ??= await logits.toFloat32(); // a tie at the k-th candidate: only the whole row decides
      tokens.push(this.#fromScores(all.slice(i * vocab, (i + 1) * vocab), rows[i]!));
    }
    return tokens;
  }

  async #full(logits: Tensor, rows: readonly RowState[], vocab: number): Promise<number[]> {
    const all = await logits.toFloat32();
    return rows.map((row, i) => this.#fromScores(all.slice(i * vocab, (i + 1) * vocab), row));
  }

  /** The whole-row path: processors, then (sampling) warpers and a draw, or (greedy) argmax. */
  #fromScores(scores: Float32Array, row: RowState): number {
    for (const process of this.list.processors) process(scores, row);
    if (!this.doSample) return argmax(scores);
    for (const warp of this.list.warpers) warp(scores, row);
    return sampleIndex(probabilities(scores), this.random);
  }
}
