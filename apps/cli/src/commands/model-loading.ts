// Loads a checkpoint's causal LM, and its tokenizer, for generate, chat and serve.
import { join } from 'node:path';
import { ArgumentError } from '@cria/core';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer, type PreTrainedTokenizer } from '@cria/tokenizer';
import { loadWithProgress } from '../load-progress.js';
import type { GenerationFlags } from './generation-flags.js';

export interface LoadedModel {
  dir: string;
  model: LlamaForCausalLM;
  tokenizer: PreTrainedTokenizer;
  /** The most tokens (prompt + reply) one sequence may hold: config.json's max_position_embeddings. */
  contextLength: number;
}

export type ModelFlags = Pick<GenerationFlags, 'dir' | 'device' | 'dtype' | 'threads'>;

/** The causal LM alone (cria generate --prompt-ids needs no tokenizer). */
export function loadModel(flags: ModelFlags): Promise<LlamaForCausalLM> {
  return loadWithProgress((progress_callback) => LlamaForCausalLM.from_pretrained(flags.dir, { device: flags.device, dtype: flags.dtype, progress_callback, ...(flags.threads !== undefined ? { num_threads: flags.threads } : {}) }));
}

export async function loadModelAndTokenizer(flags: ModelFlags): Promise<LoadedModel> {
  const model = await loadModel(flags);
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(flags.dir);
    return { dir: flags.dir, model, tokenizer, contextLength: model.config.max_position_embeddings };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

export function hasChatTemplate(tokenizer: PreTrainedTokenizer): boolean {
  return tokenizer.chat_template !== null;
}

/** A clear error for checkpoints without a chat template (base models). */
export function noChatTemplateError(dir: string): ArgumentError {
  return new ArgumentError(
    `${join(dir, 'tokenizer_config.json')} has no chat_template: chat needs a chat (instruct) checkpoint ` +
      `whose tokenizer_config.json sets "chat_template"; for plain text completion use cria generate`,
  );
}
