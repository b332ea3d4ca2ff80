// A decode step captured once and replayed (CUDA graphs through the backend's StepCapture): the whole forward
// of one token per row, lm_head included, becomes one launch. Each step the host writes the new ids, their
// positions and the cache slot into small device tensors, replays, and reads back only what picking needs.
import { ArgumentError, type Backend, type CapturedStep, type StepCapture, type Tensor, supportsStepCapture } from '@cria/core';
import type { LayerCache } from '../cache.js';
import type { IntRows } from '../inputs.js';
import type { ForwardContext } from '../llama/forward-context.js';
import type { LlamaForCausalLM } from '../llama/heads.js';
import { type DevicePosition, DevicePositionKv } from '../llama/kv-access.js';

/** Whether `model` can decode through a captured step (its backend captures, its RoPE is static). */
export function canCaptureDecodeStep(model: LlamaForCausalLM): boolean {
  return supportsStepCapture(model.backend) && model.model.rope.static() !== null;
}

/**
 * One decode step with no host work, for capture: ids and positions int32 [B, 1], the cache slot and valid
 * length read on the device, the optional padding mask float32 [B, cache capacity] -> logits [B, 1, vocab].
 */
function decodeStep(model: LlamaForCausalLM, step: { ids: Tensor; positions: Tensor; at: DevicePosition; mask?: Tensor }, layers: readonly LayerCache[]): Tensor {
  const b = model.backend;
  const rope = model.model.rope.static();
  if (!rope) throw new ArgumentError('DecodeGraph: RoPE that depends on the sequence length cannot be captured');
  const ctx: ForwardContext = { backend: b, positions: step.positions, ...rope, kv: new DevicePositionKv(step.at, step.mask) };
  const hidden = model.model.stack(ctx, b.embedding(model.model.embed_tokens.weight.value, step.ids), layers);
  const logits = b.linear(hidden, model.lm_head.weight.value);
  hidden.dispose();
  return logits;
}

export class DecodeGraph {
  readonly #backend: Backend & StepCapture;
  readonly #layers: readonly LayerCache[];
  readonly #vocabSize: number;
  readonly #ids: Tensor;
  readonly #positions: Tensor;
  readonly #offset: Tensor;
  readonly #kvLength: Tensor;
  readonly #mask: Tensor | undefined;
  #graph: CapturedStep | null = null;
  #logits: Tensor | null = null;

  /**
   * Captures one decode step of `model` over `layers` (the cache's tensors, which must stay the same while the
   * graph lives: see `uses`). `mask`: the attention mask rows so far when any is 0 (left padding), else null;
   * slots after them count as visible.
   */
  constructor(model: LlamaForCausalLM, layers: readonly LayerCache[], mask: IntRows | null) {
    const b = model.backend;
    if (!supportsStepCapture(b)) throw new ArgumentError(`DecodeGraph: backend '${b.name}' cannot capture a decode step`);
    if (model.model.rope.static() === null) throw new ArgumentError('DecodeGraph: RoPE that depends on the sequence length cannot be captured');
    const first = layers[0];
    if (!first) throw new ArgumentError('DecodeGraph: the cache has no layers');
    const [batch, , capacity] = first.keys.shape as [number, number, number, number];
    this.#backend = b;
    this.#layers = [...layers];
    this.#vocabSize = model.config.vocab_size;
    this.#ids = b.zeros([batch, 1], 'int32');
    this.#positions = b.zeros([batch, 1], 'int32');
    this.#offset = b.zeros([1], 'int32');
    this.#kvLength = b.zeros([1], 'int32');
    this.#mask = mask ? b.upload(maskTable(mask, batch, capacity), [batch, capacity], 'float32') : undefined;
    try {
      this.#capture(model);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  #capture(model: LlamaForCausalLM): void {
    const b = this.#backend;
    b.beginCapture();
    let logits: Tensor | null = null;
    try {
      const step = { ids: this.#ids, positions: this.#positions, at: { offset: this.#offset, kvLength: this.#kvLength }, ...(this.#mask ? { mask: this.#mask } : {}) };
      logits = decodeStep(model, step, this.#layers);
    } finally {
      // A capture must always end, also when recording failed; the partial graph is then thrown away.
      const graph = b.endCapture();
      if (logits) {
        this.#graph = graph;
        this.#logits = logits;
      } else {
        graph.dispose();
      }
    }
  }

  /** Whether the cache still holds the tensors this graph was captured over (a grown cache has new ones). */
  uses(layers: readonly LayerCache[]): boolean {
    return layers.length === this.#layers.length && layers.every((l, i) => l.keys === this.#layers[i]!.keys && l.values === this.#layers[i]!.values);
  }

  /**
   * Runs the step for one new token per row: `ids` and `positions` [B], written at cache slot `offset`.
   * Returns the logits float32 [B, 1, vocab] (a view the caller disposes; the next run overwrites them).
   */
  run(ids: readonly number[], positions: readonly number[], offset: number): Tensor {
    if (!this.#graph || !this.#logits) throw new ArgumentError('DecodeGraph.run: the graph was disposed');
    const batch = this.#ids.shape[0]!;
    if (ids.length !== batch || positions.length !== batch) throw new ArgumentError(`DecodeGraph.run: expected ${batch} ids and positions, got ${ids.length} and ${positions.length}`);
    const capacity = this.#layers[0]!.keys.shape[2]!;
    if (!Number.isInteger(offset) || offset < 0 || offset >= capacity) throw new ArgumentError(`DecodeGraph.run: cache slot ${offset} is outside the cache's ${capacity} slots`);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.#vocabSize) throw new ArgumentError(`DecodeGraph.run: token id ${id} is outside the vocabulary [0, ${this.#vocabSize})`);
    }
    const b = this.#backend;
    b.write(this.#ids, Int32Array.from(ids));
    b.write(this.#positions, Int32Array.from(positions));
    b.write(this.#offset, Int32Array.of(offset));
    b.write(this.#kvLength, Int32Array.of(offset + 1));
    this.#graph.replay();
    return this.#logits.view(this.#logits.shape);
  }

  dispose(): void {
    // The graph first: the logits it owns are released after it.
    this.#graph?.dispose();
    this.#graph = null;
    this.#logits?.dispose();
    this.#logits = null;
    for (const t of [this.#ids, this.#positions, this.#offset, this.#kvLength, this.#mask]) t?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The mask rows so far, then 1 for every later slot: float32 [batch, capacity]. */
function maskTable(rows: IntRows, batch: number, capacity: number): Float32Array {
  const table = new Float32Array(batch * capacity).fill(1);
  rows.forEach((row, i) => {
    if (row.length > capacity) throw new ArgumentError(`DecodeGraph: the attention mask has ${row.length} slots, the cache ${capacity}`);
    row.forEach((m, j) => {
      table[i * capacity + j] = m;
    });
  });
  return table;
}
