// AutoModel*: choose the Llama class from config.json (`model_type`, and `architectures` for the head).
import { LlamaConfig } from '@cria/config';
import { ArgumentError, type ModelDirectory, ggufLocation, toModelDirectory } from '@cria/core';
import {
  LlamaForCausalLM,
  LlamaForQuestionAnswering,
  LlamaForSequenceClassification,
  LlamaForTokenClassification,
} from './llama/heads.js';
import { LlamaModel } from './llama/llama-model.js';
import type { FromPretrainedOptions, LlamaPreTrainedModel } from './pretrained-model.js';

type Loadable<T> = { from_pretrained(dir: string | ModelDirectory, options?: FromPretrainedOptions): Promise<T> };

export const MODEL_CLASSES = {
  LlamaModel,
  LlamaForCausalLM,
  LlamaForSequenceClassification,
  LlamaForTokenClassification,
  LlamaForQuestionAnswering,
} as const;

async function readModelType(directory: ModelDirectory): Promise<Record<string, unknown>> {
  const dict = (await directory.readJson('config.json')) as Record<string, unknown>;
  if (dict.model_type !== 'llama') {
    throw new ArgumentError(`${directory.name}/config.json: 'model_type' is ${JSON.stringify(dict.model_type)}; cria supports 'llama'`);
  }
  return dict;
}

function autoClass<T extends LlamaPreTrainedModel>(task: string, cls: Loadable<T>) {
  return {
    /** config.json's model_type must be 'llama'; a GGUF file's general.architecture is checked as it loads. */
    async from_pretrained(dir: string | ModelDirectory, options: FromPretrainedOptions = {}): Promise<T> {
      void task;
      if (await ggufLocation(dir)) return cls.from_pretrained(dir, options);
      const directory = toModelDirectory(dir);
      await readModelType(directory);
      return cls.from_pretrained(directory, options);
    },
  };
}

/** The base model whatever head the checkpoint has (head weights are skipped). */
export const AutoModel = autoClass('feature-extraction', LlamaModel);
export const AutoModelForCausalLM = autoClass('text-generation', LlamaForCausalLM);
export const AutoModelForSequenceClassification = autoClass('text-classification', LlamaForSequenceClassification);
export const AutoModelForTokenClassification = autoClass('token-classification', LlamaForTokenClassification);
export const AutoModelForQuestionAnswering = autoClass('question-answering', LlamaForQuestionAnswering);

/** The class config.json's `architectures` names (LlamaForCausalLM when absent, and for a GGUF file: llama.cpp's are causal LMs). */
export async function modelClassFor(dir: string | ModelDirectory): Promise<Loadable<LlamaPreTrainedModel>> {
  if (await ggufLocation(dir)) return LlamaForCausalLM;
  const directory = toModelDirectory(dir);
  const dict = await readModelType(directory);
  const arch = Array.isArray(dict.architectures) ? String(dict.architectures[0]) : 'LlamaForCausalLM';
  const cls = (MODEL_CLASSES as Record<string, Loadable<LlamaPreTrainedModel>>)[arch];
  if (!cls) throw new ArgumentError(`${directory.name}/config.json: 'architectures' names ${arch}; cria knows ${Object.keys(MODEL_CLASSES).join(', ')}`);
  return cls;
}

export { LlamaConfig };
