import type { LlamaConfig } from '@cria/config';
import { ArgumentError, type Backend, type Tensor } from '@cria/core';
import { Cache, type CacheShape, DynamicCache, type LayerCache } from '../cache.js';
import { type IntInput, type IntRows, checkVocabulary, flattenInt32, maskTable, positionRows, toIntRows } from '../inputs.js';
import type { BaseModelOutput } from '../modeling-outputs.js';
import { Embedding, RMSNorm } from '../nn/module.js';
import { ResidualStream } from '../nn/residual.js';
import { Scope } from '../nn/scope.js';
import { LlamaPreTrainedModel } from '../pretrained-model.js';
import { LlamaDecoderLayer } from './decoder-layer.js';
import type { ForwardContext } from './forward-context.js';
import { HostOffsetKv } from './kv-access.js';
import { RopeTables } from './rope.js';

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
  /** The attention probabilities of every layer; needs attn_implementation 'eager' (as in transformers). */
  output_attentions?: boolean;
}

/** What a pass records besides last_hidden_state. */
export interface StackRecord {
  /** The input, then each layer's output, the last one after the final norm (transformers' hidden_states). */
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** The decoder stack: embed_tokens -> layers -> norm. */
export class LlamaModel extends LlamaPreTrainedModel {
  static override basePrefix = '';
  readonly embed_tokens: Embedding;
  readonly layers: LlamaDecoderLayer[];
  readonly norm: RMSNorm;
  readonly rope: RopeTables;

  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend);
    this.embed_tokens = new Embedding(config.vocab_size, config.hidden_size);
    this.layers = Array.from({ length: config.num_hidden_layers }, () => new LlamaDecoderLayer(config));
    this.norm = new RMSNorm(config.hidden_size, config.rms_norm_eps);
    this.rope = new RopeTables(config, backend);
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
    const hasIds = input.input_ids !== undefined && input.input_ids !== null;
    if (hasIds === !!input.inputs_embeds) throw new ArgumentError('forward: pass exactly one of input_ids and inputs_embeds');
    if (input.output_attentions && this.attn_implementation !== 'eager') {
      throw new ArgumentError(`forward: 'output_attentions' needs the attention probabilities, which attn_implementation '${this.attn_implementation}' never materialises; load the model with attn_implementation: 'eager'`);
    }
    const inputIds = hasIds ? await toIntRows(input.input_ids!, 'input_ids') : null;
    if (inputIds) checkVocabulary(inputIds, this.config.vocab_size);
    else this.#checkEmbeds(input.inputs_embeds!);
    const [batch, seqLength] = inputIds ? [inputIds.length, inputIds[0]!.length] : (input.inputs_embeds!.shape as [number, number]);
    if (seqLength === 0) throw new ArgumentError('forward: the sequence is empty');

    const useCache = input.use_cache ?? (input.past_key_values ? true : this.config.use_cache);
    const cache = input.past_key_values ?? new DynamicCache({ capacity: seqLength });
    const offset = cache.get_seq_length();
    const layerCaches = await cache.prepare(b, this.cacheShape(batch), seqLength);
    const positions = await positionRows(input.position_ids, batch, seqLength, offset);
    const mask = input.attention_mask !== undefined ? await maskTable(input.attention_mask, batch, offset + seqLength) : null;

    let hidden: Tensor;
    const record: StackRecord = { ...(input.output_hidden_states ? { hiddenStates: [] } : {}), ...(input.output_attentions ? { attentions: [] } : {}) };
    {
      using scope = new Scope();
      const rope = this.rope.forLength(Math.max(...positions.map((row) => Math.max(...row))) + 1);
      if (rope.owned) scope.own(rope.invFreq);
      const ctx: ForwardContext = {
        backend: b,
        positions: scope.own(b.upload(flattenInt32(positions), [batch, seqLength], 'int32')),
        invFreq: rope.invFreq,
        attentionScaling: rope.attentionScaling,
        kv: new HostOffsetKv(offset, mask ? scope.own(b.upload(mask, [batch, offset + seqLength], 'float32')) : undefined, !!input.output_attentions),
      };
      const embedded = inputIds
        ? b.embedding(this.embed_tokens.weight.value, scope.own(b.upload(flattenInt32(inputIds), [batch, seqLength], 'int32')))
        : input.inputs_embeds!.view(input.inputs_embeds!.shape);
      hidden = this.stack(ctx, embedded, layerCaches, record);
    }
    cache.advance(seqLength);
    if (!useCache && !input.past_key_values) cache.dispose();
    return {
      last_hidden_state: hidden,
      inputIds,
      ...(useCache ? { past_key_values: cache } : {}),
      ...(record.hiddenStates ? { hidden_states: record.hiddenStates } : {}),
      ...(record.attentions ? { attentions: record.attentions } : {}),
    };
  }

  /** The per-layer KV cache shape for `batch` rows. */
  cacheShape(batch: number): CacheShape {
    return { batch, numLayers: this.config.num_hidden_layers, numKvHeads: this.config.numKvHeads, headDim: this.config.headDim };
  }

  /**
   * Every layer on `embedded` (taken: freed here unless recorded), then the final norm -> last_hidden_state. Each
   * layer's last residual add runs with the next norm as one op where the backend has it (see ResidualStream).
   */
  stack(ctx: ForwardContext, embedded: Tensor, layerCaches: readonly LayerCache[], record: StackRecord = {}): Tensor {
    const { hiddenStates, attentions } = record;
    hiddenStates?.push(embedded);
    using h = new ResidualStream(ctx.backend, embedded, !hiddenStates);
    this.layers.forEach((layer, i) => {
      const out = layer.forward(ctx, h, layerCaches[i]!);
      if (out.attentions) attentions?.push(out.attentions);
      if (hiddenStates) h.keepNextSum((sum) => hiddenStates.push(sum));
    });
    const last = h.norm(this.norm);
    // transformers' last hidden state is the last layer's output after the final norm.
    if (hiddenStates && this.layers.length > 0) hiddenStates.pop()!.dispose();
    hiddenStates?.push(last);
    return last;
  }

  #checkEmbeds(embeds: Tensor): void {
    const hidden = this.config.hidden_size;
    if (embeds.shape.length !== 3 || embeds.shape[2] !== hidden || embeds.dtype !== 'float32') {
      throw new ArgumentError(`inputs_embeds must be float32 [batch, sequence, ${hidden}], got ${embeds.dtype} [${embeds.shape.join(', ')}]`);
    }
  }

  /** Frees the kept RoPE table. */
  protected override disposeBuffers(): void {
    this.rope[Symbol.dispose]();
  }
}
