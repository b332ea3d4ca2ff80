// pipeline(task, dir): model + tokenizer behind one call, as transformers.js offers it.
import type { Backend, DeviceName } from '@cria/core';
import { ArgumentError } from '@cria/core';
import { AutoTokenizer, type ChatMessage, type PreTrainedTokenizer } from '@cria/tokenizer';
import type { GenerateOptions } from './generation/generate.js';
import { LlamaForCausalLM, LlamaForQuestionAnswering, LlamaForSequenceClassification, LlamaForTokenClassification } from './llama/heads.js';
import type { LoadDType } from './loading/load-weights.js';
import type { ProgressCallback } from './loading/progress.js';
import { disposeOutput } from './modeling-outputs.js';
import type { LlamaPreTrainedModel } from './pretrained-model.js';

export type PipelineTask = 'text-generation' | 'text-classification' | 'token-classification' | 'question-answering';
export const PIPELINE_TASKS: readonly PipelineTask[] = ['text-generation', 'text-classification', 'token-classification', 'question-answering'];

export interface PipelineOptions {
  device?: DeviceName | Backend;
  dtype?: LoadDType;
  /** A tokenizer, or the directory of one (default: the model directory). */
  tokenizer?: PreTrainedTokenizer | string;
  /** Hears the weights load (as from_pretrained's). */
  progress_callback?: ProgressCallback;
}

interface PipelineBase<M extends LlamaPreTrainedModel> {
  task: PipelineTask;
  model: M;
  tokenizer: PreTrainedTokenizer;
  dispose(): void;
}

export interface TextGenerationPipeline extends PipelineBase<LlamaForCausalLM> {
  (input: string, options?: TextGenerationOptions): Promise<{ generated_text: string }[]>;
  (input: ChatMessage[], options?: TextGenerationOptions): Promise<{ generated_text: ChatMessage[] }[]>;
}
export interface TextGenerationOptions extends Omit<GenerateOptions, 'tokenizer'> {
  /** Include the prompt in generated_text (default true, as transformers). */
  return_full_text?: boolean;
}

export interface TextClassificationPipeline extends PipelineBase<LlamaForSequenceClassification> {
  (input: string, options?: { top_k?: number | null }): Promise<{ label: string; score: number }[]>;
}

export interface TokenClassificationPipeline extends PipelineBase<LlamaForTokenClassification> {
  (input: string, options?: { ignore_labels?: string[] }): Promise<{ entity: string; score: number; index: number; word: string }[]>;
}

export interface QuestionAnsweringPipeline extends PipelineBase<LlamaForQuestionAnswering> {
  (question: string, context: string, options?: { max_answer_len?: number }): Promise<{ answer: string; score: number; start: number; end: number }>;
}

export interface PipelineFor {
  'text-generation': TextGenerationPipeline;
  'text-classification': TextClassificationPipeline;
  'token-classification': TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
}

function softmax(values: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(values));
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function labelOf(model: LlamaPreTrainedModel, index: number): string {
  return model.config.id2label?.[String(index)] ?? `LABEL_${index}`;
}

function attach<F extends object, M extends LlamaPreTrainedModel>(fn: F, task: PipelineTask, model: M, tokenizer: PreTrainedTokenizer): F & PipelineBase<M> {
  return Object.assign(fn, { task, model, tokenizer, dispose: () => model.dispose() });
}

/** Builds a pipeline for `task` from a model directory. */
export async function pipeline<T extends PipelineTask>(task: T, dir: string, options: PipelineOptions = {}): Promise<PipelineFor[T]> {
  if (!PIPELINE_TASKS.includes(task)) throw new ArgumentError(`pipeline: task '${String(task)}' is not one of ${PIPELINE_TASKS.join(', ')}`);
  const loadOptions = {
    ...(options.device ? { device: options.device } : {}),
    ...(options.dtype ? { dtype: options.dtype } : {}),
    ...(options.progress_callback ? { progress_callback: options.progress_callback } : {}),
  };
  const tokenizer = options.tokenizer === undefined || typeof options.tokenizer === 'string' ? await AutoTokenizer.from_pretrained(options.tokenizer ?? dir) : options.tokenizer;
  switch (task) {
    case 'text-generation': {
      const model = await LlamaForCausalLM.from_pretrained(dir, loadOptions);
      return attach(textGeneration(model, tokenizer), task, model, tokenizer) as unknown as PipelineFor[T];
    }
    case 'text-classification': {
      const model = await LlamaForSequenceClassification.from_pretrained(dir, loadOptions);
      return attach(textClassification(model, tokenizer), task, model, tokenizer) as unknown as PipelineFor[T];
    }
    case 'token-classification': {
      const model = await LlamaForTokenClassification.from_pretrained(dir, loadOptions);
      return attach(tokenClassification(model, tokenizer), task, model, tokenizer) as unknown as PipelineFor[T];
    }
    default: {
      const model = await LlamaForQuestionAnswering.from_pretrained(dir, loadOptions);
      return attach(questionAnswering(model, tokenizer), task, model, tokenizer) as unknown as PipelineFor[T];
    }
  }
}

function textGeneration(model: LlamaForCausalLM, tokenizer: PreTrainedTokenizer) {
  return async (input: string | ChatMessage[], options: TextGenerationOptions = {}) => {
    const { return_full_text = true, ...generateOptions } = options;
    const chat = Array.isArray(input);
    const prompt = chat ? (tokenizer.apply_chat_template(input, { add_generation_prompt: true, tokenize: true }) as number[]) : tokenizer.encode(input);
    const [sequence] = await model.generate([prompt], { ...generateOptions, tokenizer });
    const completion = tokenizer.decode(sequence!.slice(prompt.length), { skip_special_tokens: true });
    if (chat) return [{ generated_text: [...input, { role: 'assistant', content: completion }] }];
    return [{ generated_text: return_full_text ? input + completion : completion }];
  };
}

function textClassification(model: LlamaForSequenceClassification, tokenizer: PreTrainedTokenizer) {
  return async (input: string, options: { top_k?: number | null } = {}) => {
    const out = await model.forward({ input_ids: [tokenizer.encode(input)], use_cache: false });
    const scores = softmax(await out.logits!.toFloat32());
    disposeOutput(out);
    const ranked = scores.map((score, i) => ({ label: labelOf(model, i), score })).sort((a, b) => b.score - a.score);
    const k = options.top_k === null ? ranked.length : (options.top_k ?? 1);
    return ranked.slice(0, k);
  };
}

function tokenClassification(model: LlamaForTokenClassification, tokenizer: PreTrainedTokenizer) {
  return async (input: string, options: { ignore_labels?: string[] } = {}) => {
    const ignore = options.ignore_labels ?? ['O'];
    const ids = tokenizer.encode(input);
    const out = await model.forward({ input_ids: [ids], use_cache: false });
    const logits = await out.logits!.toFloat32();
    disposeOutput(out);
    const labels = model.config.numLabels;
    const special = new Set(tokenizer.all_special_ids);
    const result: { entity: string; score: number; index: number; word: string }[] = [];
    ids.forEach((id, index) => {
      if (special.has(id)) return;
      const probs = softmax(logits.subarray(index * labels, (index + 1) * labels));
      const best = probs.indexOf(Math.max(...probs));
      const entity = labelOf(model, best);
      if (!ignore.includes(entity)) result.push({ entity, score: probs[best]!, index, word: tokenizer.convert_ids_to_tokens(id) as string });
    });
    return result;
  };
}

function questionAnswering(model: LlamaForQuestionAnswering, tokenizer: PreTrainedTokenizer) {
  return async (question: string, context: string, options: { max_answer_len?: number } = {}) => {
    const maxLen = options.max_answer_len ?? 15;
    const questionIds = tokenizer.encode(question);
    const contextIds = tokenizer.encode(context, { add_special_tokens: false });
    if (contextIds.length === 0) throw new ArgumentError('question-answering: the context is empty');
    const ids = [...questionIds, ...contextIds];
    const out = await model.forward({ input_ids: [ids], use_cache: false });
    const starts = softmax((await out.start_logits!.toFloat32()).subarray(questionIds.length));
    const ends = softmax((await out.end_logits!.toFloat32()).subarray(questionIds.length));
    disposeOutput(out);
    let best = { score: -1, start: 0, end: 0 };
    for (let s = 0; s < contextIds.length; s++) {
      for (let e = s; e < Math.min(contextIds.length, s + maxLen); e++) {
        const score = starts[s]! * ends[e]!;
        if (score > best.score) best = { score, start: s, end: e };
      }
    }
    return { answer: tokenizer.decode(contextIds.slice(best.start, best.end + 1), { skip_special_tokens: true }).trim(), ...best };
  };
}
