// The heads on top of LlamaModel, as transformers' LlamaFor* classes (same module names, same outputs).
import type { LlamaConfig } from '@cria/config';
import { ArgumentError, type Backend, type Tensor } from '@cria/core';
import type { GenerateInputs, GenerateOptions } from '../generation/generate.js';
import { type IntInput, toIntRows } from '../inputs.js';
import { binaryCrossEntropyWithLogits, causalLmLoss, crossEntropy, meanSquaredError } from '../loss.js';
import type { ModelOutput } from '../modeling-outputs.js';
import { Linear } from '../nn/module.js';
import { linear } from '../nn/ops.js';
import { LlamaPreTrainedModel } from '../pretrained-model.js';
import { type ForwardInput, LlamaModel } from './llama-model.js';
import { resizeTokenEmbeddings } from './resize-embeddings.js';

/** Rows `indices` (into the flattened [B*S] positions) of hidden [B, S, H] -> [n, H]. */
function gatherRows(b: Backend, hidden: Tensor, indices: number[]): Tensor {
  const flat = hidden.view([-1, hidden.shape[2]!]);
  const ids = b.upload(Int32Array.from(indices), [indices.length], 'int32');
  const out = b.embedding(flat, ids);
  flat.dispose();
  ids.dispose();
  return out;
}

function scalar(b: Backend, value: number): Tensor {
  return b.upload(Float32Array.of(value), [], 'float32');
}

export interface CausalLMInput extends ForwardInput {
  /** [B, S]; the loss compares position t's logits with labels[t + 1]; -100 is ignored. */
  labels?: IntInput;
  /** Compute logits for the last n positions only (0: all). */
  logits_to_keep?: number;
}

/** LlamaForCausalLM: the decoder stack and lm_head (tied to embed_tokens when tie_word_embeddings). */
export class LlamaForCausalLM extends LlamaPreTrainedModel {
  readonly model: LlamaModel;
  readonly lm_head: Linear;

  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend);
    this.model = new LlamaModel(config, backend);
    this.lm_head = new Linear(config.hidden_size, config.vocab_size, false);
    if (config.tie_word_embeddings) (this.lm_head as { weight: unknown }).weight = this.model.embed_tokens.weight;
  }

  async forward(input: CausalLMInput): Promise<ModelOutput> {
    const b = this.backend;
    const { inputIds, ...base } = await this.model.run(input);
    void inputIds;
    const hidden = base.last_hidden_state;
    const [batch, seq] = hidden.shape as [number, number, number];
    const keep = input.logits_to_keep ?? 0;
    if (!Number.isInteger(keep) || keep < 0) throw new ArgumentError(`'logits_to_keep' must be a non-negative integer, got ${keep}`);
    let logits: Tensor;
    if (keep > 0 && keep < seq) {
      const rows: number[] = [];
      for (let i = 0; i < batch; i++) for (let t = seq - keep; t < seq; t++) rows.push(i * seq + t);
      const picked = gatherRows(b, hidden, rows);
      const flat = b.linear(picked, this.lm_head.weight.value);
      picked.dispose();
      logits = flat.view([batch, keep, this.config.vocab_size]);
      flat.dispose();
    } else {
      logits = b.linear(hidden, this.lm_head.weight.value);
    }
    const output: ModelOutput = { ...base, logits };
    if (input.labels !== undefined) {
      const labels = await toIntRows(input.labels, 'labels');
      if (labels.length !== batch || labels[0]!.length !== seq) throw new ArgumentError(`labels must be [${batch}, ${seq}], got [${labels.length}, ${labels[0]!.length}]`);
      if (logits.shape[1] !== seq) throw new ArgumentError(`labels need the logits of every position: do not pass logits_to_keep with labels`);
      output.loss = scalar(b, causalLmLoss(await logits.toFloat32(), labels, this.config.vocab_size));
    }
    return output;
  }

  /** Resizes embed_tokens (and the untied lm_head) to `newNumTokens` rows; new rows are the mean of the old ones. */
  async resize_token_embeddings(newNumTokens: number, padToMultipleOf?: number): Promise<void> {
    await resizeTokenEmbeddings(this, newNumTokens, padToMultipleOf);
  }

  /** transformers' generate(): every row's sequence including the prompt (see generation/generate.ts). */
  async generate(inputs: GenerateInputs, options: GenerateOptions = {}): Promise<number[][]> {
    const { generate } = await import('../generation/generate.js'); // generate.ts imports this file's types only
    return generate(this, inputs, options);
  }
}

export interface SequenceClassificationInput extends ForwardInput {
  /** [B] class ids (or [B] floats for regression, [B, num_labels] 0/1 for multi-label). */
  labels?: number[] | number[][];
}

/** The decoder stack and a `score` Linear [num_labels, hidden] (the two classification heads' modules). */
abstract class LlamaScoreHead extends LlamaPreTrainedModel {
  readonly model: LlamaModel;
  readonly score: Linear;

  constructor(config: LlamaConfig, backend: Backend, scoreBias: boolean) {
    super(config, backend);
    this.model = new LlamaModel(config, backend);
    this.score = new Linear(config.hidden_size, config.numLabels, scoreBias);
  }
}

/** LlamaForSequenceClassification: a bias-free `score` on the last non-pad token of each row. */
export class LlamaForSequenceClassification extends LlamaScoreHead {
  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend, false);
  }

  async forward(input: SequenceClassificationInput): Promise<ModelOutput> {
    const b = this.backend;
    const { inputIds, ...base } = await this.model.run(input);
    const [batch, seq] = base.last_hidden_state.shape as [number, number, number];
    const pad = this.config.pad_token_id;
    if ((pad === null || pad === undefined) && batch !== 1) throw new ArgumentError('LlamaForSequenceClassification: config.pad_token_id must be set to classify a batch of more than one row');
    // As transformers: the rightmost token that is not the pad token (the last token without input_ids or pad id).
    const last = inputIds && pad !== null && pad !== undefined
      ? inputIds.map((row) => row.reduce((best, id, t) => (id !== pad ? t : best), 0))
      : Array.from({ length: batch }, () => seq - 1);
    const pooled = gatherRows(b, base.last_hidden_state, last.map((t, i) => i * seq + t));
    const logits = linear(b, pooled, this.score);
    pooled.dispose();
    const output: ModelOutput = { ...base, logits };
    if (input.labels !== undefined) output.loss = scalar(b, await this.#loss(logits, input.labels));
    return output;
  }

  async #loss(logits: Tensor, labels: number[] | number[][]): Promise<number> {
    const values = await logits.toFloat32();
    const numLabels = this.config.numLabels;
    let problem = this.config.problem_type;
    if (!problem) problem = numLabels === 1 ? 'regression' : labels.every((l) => Number.isInteger(l)) ? 'single_label_classification' : 'multi_label_classification';
    if (problem === 'regression') return meanSquaredError(values, labels.flat());
    if (problem === 'single_label_classification') return crossEntropy(values, numLabels, labels as number[]);
    return binaryCrossEntropyWithLogits(values, labels.flat());
  }
}

export interface TokenClassificationInput extends ForwardInput {
  /** [B, S] label ids; -100 is ignored. */
  labels?: IntInput;
}

/** LlamaForTokenClassification: `score` (with bias) on every token. */
export class LlamaForTokenClassification extends LlamaScoreHead {
  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend, true);
  }

  async forward(input: TokenClassificationInput): Promise<ModelOutput> {
    const { inputIds, ...base } = await this.model.run(input);
    void inputIds;
    const logits = linear(this.backend, base.last_hidden_state, this.score);
    const output: ModelOutput = { ...base, logits };
    if (input.labels !== undefined) {
      const labels = (await toIntRows(input.labels, 'labels')).flat();
      output.loss = scalar(this.backend, crossEntropy(await logits.toFloat32(), this.config.numLabels, labels));
    }
    return output;
  }
}

export interface QuestionAnsweringInput extends ForwardInput {
  start_positions?: number[];
  end_positions?: number[];
}

/** LlamaForQuestionAnswering: `qa_outputs` [2, H] giving start and end logits; the base model sits under `transformer.`. */
export class LlamaForQuestionAnswering extends LlamaPreTrainedModel {
  static override basePrefix = 'transformer.';
  readonly transformer: LlamaModel;
  readonly qa_outputs: Linear;

  constructor(config: LlamaConfig, backend: Backend) {
    super(config, backend);
    this.transformer = new LlamaModel(config, backend);
    this.qa_outputs = new Linear(config.hidden_size, 2, true);
  }

  async forward(input: QuestionAnsweringInput): Promise<ModelOutput> {
    const b = this.backend;
    const { inputIds, ...base } = await this.transformer.run(input);
    void inputIds;
    const [batch, seq] = base.last_hidden_state.shape as [number, number, number];
    const both = linear(b, base.last_hidden_state, this.qa_outputs);
    const data = await both.toFloat32();
    both.dispose();
    const start = new Float32Array(batch * seq);
    const end = new Float32Array(batch * seq);
    for (let i = 0; i < batch * seq; i++) {
      start[i] = data[2 * i]!;
      end[i] = data[2 * i + 1]!;
    }
    const output: ModelOutput = { ...base, start_logits: b.upload(start, [batch, seq], 'float32'), end_logits: b.upload(end, [batch, seq], 'float32') };
    if (input.start_positions && input.end_positions) {
      // As transformers: positions outside the sequence are clamped to seq and ignored.
      const clamp = (p: number[]) => p.map((x) => (x < 0 || x >= seq ? -100 : x));
      const loss = (crossEntropy(start, seq, clamp(input.start_positions)) + crossEntropy(end, seq, clamp(input.end_positions))) / 2;
      output.loss = scalar(b, loss);
    }
    return output;
  }
}
