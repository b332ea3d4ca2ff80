import type { LlamaConfig } from '@cria/config';
import { ArgumentError, type Backend, type Tensor } from '@cria/core';
import { Cache, type CacheShape, DynamicCache, type LayerCache } from '../cache.js';
import { type IntInput, type IntRows, flattenInt32, toIntRows } from '../inputs.js';
import type { BaseModelOutput } from '../modeling-outputs.js';
import { Embedding, RMSNorm } from '../nn/module.js';
import { rmsNorm } from '../nn/ops.js';
import { LlamaPreTrainedModel } from '../pretrained-model.js';
import { LlamaDecoderLayer } from './decoder-layer.js';
import type { DevicePosition, ForwardContext } from './forward-context.js';
import { computeRope, ropeDependsOnLength } from './rope.js';

/** The arguments of forward(), named as in transformers. */
export interface ForwardInput {
  input_ids?: IntInput;
  /** [B, past + S] of 0/1; 0 hides that token from every query (left padding). */
  attention_mask?: IntInput;
  /** [B, S]; default past .. past+S-1 for every row. */
  position_ids?: IntInput;
  past_key_values?: Cache;
  /** float32 [B, S, hidden] instead of input_ids. */
  inputs_embeds?: Tensor;
  /** Return the cache (a new DynamicCache when none is passed). Default: config.use_cache. */
  use_cache?: boolean;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
}

/** The decoder stack: embed_tokens -> layers -> norm. */
export class LlamaModel extends LlamaPreTrainedModel {
  static override basePrefix = '';
  readonly embed_tokens: Embedding;
  readonly layers: LlamaDecoderLayer[];
  readonly norm: RMSNorm;
  #staticRope: { invFreq: Tensor; attentionScaling: number } | null = null;

  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend);
    this.embed_tokens = new Embedding(config.vocab_size, config.hidden_size);
    this.layers = Array.from({ length: config.num_hidden_layers }, () => new LlamaDecoderLayer(config));
    this.norm = new RMSNorm(config.hidden_size, config.rms_norm_eps);
  }

  /** transformers' LlamaModel.forward: last_hidden_state (after the final norm), and the cache, hidden states, attentions asked for. */
  async forward(input: ForwardInput): Promise<BaseModelOutput> {
    const { inputIds, ...output } = await this.run(input);
    void inputIds;
    return output;
  }

  /** Runs the stack. Returns the input ids as host rows too (the heads need them). */
  async run(input: ForwardInput): Promise<BaseModelOutput & { inputIds: IntRows | null }> {
    const b = this.backend;
    const config = this.config;
    const hasIds = input.input_ids !== undefined && input.input_ids !== null;
    if (hasIds === !!input.inputs_embeds) throw new ArgumentError('forward: pass exactly one of input_ids and inputs_embeds');
    const inputIds = hasIds ? await toIntRows(input.input_ids!, 'input_ids') : null;
    let hidden: Tensor;
    let batch: number;
    let seqLength: number;
    if (inputIds) {
      batch = inputIds.length;
      seqLength = inputIds[0]!.length;
      for (const row of inputIds) {
        for (const id of row) {
          if (id < 0 || id >= config.vocab_size) throw new ArgumentError(`input_ids holds ${id}, outside the vocabulary [0, ${config.vocab_size})`);
        }
      }
      const ids = b.upload(flattenInt32(inputIds), [batch, seqLength], 'int32');
      hidden = b.embedding(this.embed_tokens.weight.value, ids);
      ids.dispose();
    } else {
      const embeds = input.inputs_embeds!;
      if (embeds.shape.length !== 3 || embeds.shape[2] !== config.hidden_size || embeds.dtype !== 'float32') {
        throw new ArgumentError(`inputs_embeds must be float32 [batch, sequence, ${config.hidden_size}], got ${embeds.dtype} [${embeds.shape.join(', ')}]`);
      }
      [batch, seqLength] = embeds.shape as [number, number];
      hidden = embeds.view(embeds.shape);
    }
    if (seqLength === 0) throw new ArgumentError('forward: the sequence is empty');

    const useCache = input.use_cache ?? (input.past_key_values ? true : config.use_cache);
    const cache = input.past_key_values ?? new DynamicCache({ capacity: seqLength });
    const offset = cache.get_seq_length();
    const layerCaches = await cache.prepare(b, this.cacheShape(batch), seqLength);

    const positions = input.position_ids !== undefined
      ? await toIntRows(input.position_ids, 'position_ids')
      : Array.from({ length: batch }, () => Array.from({ length: seqLength }, (_, i) => offset + i));
    if (positions.length !== batch || positions[0]!.length !== seqLength) {
      throw new ArgumentError(`position_ids must be [${batch}, ${seqLength}], got [${positions.length}, ${positions[0]!.length}]`);
    }
    const maxPosition = Math.max(...positions.map((row) => Math.max(...row)));
    const positionsTensor = b.upload(flattenInt32(positions), [batch, seqLength], 'int32');
    const rope = this.#rope(maxPosition + 1);
    const mask = input.attention_mask !== undefined ? await this.#mask(input.attention_mask, batch, offset + seqLength) : undefined;

    const ctx: ForwardContext = {
      backend: b,
      positions: positionsTensor,
      invFreq: rope.invFreq,
      attentionScaling: rope.attentionScaling,
      offset,
      ...(mask ? { mask } : {}),
      outputAttentions: !!input.output_attentions,
    };
    const hiddenStates: Tensor[] | undefined = input.output_hidden_states ? [hidden] : undefined;
    const attentions: Tensor[] | undefined = input.output_attentions ? [] : undefined;
    let stack: { output: Tensor; last: Tensor };
    try {
      stack = this.#stack(ctx, hidden, layerCaches, { hiddenStates, attentions });
    } finally {
      positionsTensor.dispose();
      mask?.dispose();
      if (rope !== this.#staticRope) rope.invFreq.dispose();
    }
    cache.advance(seqLength);
    const { output, last } = stack;
    if (hiddenStates) hiddenStates[hiddenStates.length - 1] = last; // the last layer's output, after the final norm
    else if (output !== hidden) hidden.dispose();
    output.dispose();
    if (!useCache && !input.past_key_values) cache.dispose();
    return {
      last_hidden_state: last,
      inputIds,
      ...(useCache ? { past_key_values: cache } : {}),
      ...(hiddenStates ? { hidden_states: hiddenStates } : {}),
      ...(attentions ? { attentions } : {}),
    };
  }

  /** The per-layer KV cache shape for `batch` rows. */
  cacheShape(batch: number): CacheShape {
    return { batch, numLayers: this.config.num_hidden_layers, numKvHeads: this.config.numKvHeads, headDim: this.config.headDim };
  }

  /** The RoPE table when it does not depend on the sequence length (uploaded on first use), else null. */
  staticRope(): { invFreq: Tensor; attentionScaling: number } | null {
    return ropeDependsOnLength(this.config) ? null : this.#rope(1);
  }

  /**
   * One decode step with no host work, for capture into a graph (generation/decode-graph.ts): ids and
   * positions int32 [B, 1], the cache slot and valid length read on the device, the optional padding mask
   * float32 [B, cache capacity]. Returns the final-norm hidden state [B, 1, hidden]. Needs a static RoPE table
   * (call staticRope() before capturing).
   */
  decodeStep(step: { ids: Tensor; positions: Tensor; at: DevicePosition; mask?: Tensor }, layerCaches: readonly LayerCache[]): Tensor {
    const b = this.backend;
    const rope = this.#staticRope;
    if (!rope) throw new ArgumentError('decodeStep: the model has no static RoPE table (call staticRope() first; length-dependent RoPE cannot be captured)');
    const ctx: ForwardContext = {
      backend: b,
      positions: step.positions,
      invFreq: rope.invFreq,
      attentionScaling: rope.attentionScaling,
      offset: 0,
      ...(step.mask ? { mask: step.mask } : {}),
      outputAttentions: false,
      devicePosition: step.at,
    };
    const embedded = b.embedding(this.embed_tokens.weight.value, step.ids);
    const { output, last } = this.#stack(ctx, embedded, layerCaches);
    if (output !== embedded) embedded.dispose();
    output.dispose();
    return last;
  }

  /**
   * Every layer on `input` (not disposed), then the final norm. Each layer's last residual add runs with the next
   * layer's input norm (the final norm after the last layer) as one op where the backend has it. Returns the last
   * layer's output (`input` itself without layers) and last_hidden_state. Layer outputs are disposed as they are
   * used unless `record.hiddenStates` keeps them.
   */
  #stack(ctx: ForwardContext, input: Tensor, layerCaches: readonly LayerCache[], record: { hiddenStates?: Tensor[]; attentions?: Tensor[] } = {}): { output: Tensor; last: Tensor } {
    let hidden = input;
    let normed: Tensor | undefined;
    try {
      this.layers.forEach((layer, i) => {
        const out = layer.forward(ctx, hidden, layerCaches[i]!, normed, this.layers[i + 1]?.input_layernorm ?? this.norm);
        normed?.dispose();
        normed = out.nextNormed;
        if (hidden !== input && !record.hiddenStates) hidden.dispose();
        hidden = out.hidden;
        record.hiddenStates?.push(hidden);
        if (record.attentions && out.attentions) record.attentions.push(out.attentions);
      });
    } catch (error) {
      normed?.dispose();
      if (hidden !== input && !record.hiddenStates) hidden.dispose();
      throw error;
    }
    return { output: hidden, last: normed ?? rmsNorm(this.backend, hidden, this.norm) };
  }

  /** The RoPE table for sequences whose largest position is seqLen - 1 (uploaded once unless it depends on the length). */
  #rope(seqLen: number): { invFreq: Tensor; attentionScaling: number } {
    if (!ropeDependsOnLength(this.config) && this.#staticRope) return this.#staticRope;
    const table = computeRope(this.config, seqLen);
    const rope = { invFreq: this.backend.upload(table.invFreq, [table.invFreq.length], 'float32'), attentionScaling: table.attentionScaling };
    if (!ropeDependsOnLength(this.config)) this.#staticRope = rope;
    return rope;
  }

  async #mask(value: IntInput, batch: number, kvLength: number): Promise<Tensor | undefined> {
    const rows = await toIntRows(value, 'attention_mask');
    if (rows.length !== batch || rows[0]!.length !== kvLength) {
      throw new ArgumentError(`attention_mask must be [${batch}, ${kvLength}] (past + new tokens), got [${rows.length}, ${rows[0]!.length}]`);
    }
    if (rows.every((row) => row.every((m) => m === 1))) return undefined;
    const data = new Float32Array(batch * kvLength);
    rows.forEach((row, i) => row.forEach((m, j) => {
      if (m !== 0 && m !== 1) throw new ArgumentError(`attention_mask[${i}][${j}] must be 0 or 1, got ${m}`);
      data[i * kvLength + j] = m;
    }));
    return this.backend.upload(data, [batch, kvLength], 'float32');
  }

  /** Frees the cached RoPE table. */
  protected override disposeBuffers(): void {
    this.#staticRope?.invFreq.dispose();
    this.#staticRope = null;
  }
}
