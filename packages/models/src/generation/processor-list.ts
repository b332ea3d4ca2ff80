// The logits processors and warpers a generation config asks for, in transformers' order.
import type { GenerationConfig } from '@cria/config';
import {
  type LogitsProcessor,
  minP,
  noRepeatNgram,
  repetitionPenalty,
  suppressEosUntil,
  temperature,
  topK,
  topP,
} from './logits-processors.js';

export interface ProcessorList {
  /** Applied for greedy decoding and sampling; each needs the whole row of scores. */
  processors: LogitsProcessor[];
  /** Applied when sampling, after the processors: temperature, top_k, top_p, min_p. */
  warpers: LogitsProcessor[];
  /** top_k when sampling with a top-k warper (k > 0), else null. */
  topK: number | null;
  /**
   * Position of the top-k warper in `warpers` (-1 without one). Every warper before it is
   * temperature, which keeps the order of the scores (x / t with t > 0 never reorders).
   */
  topKAt: number;
}

export function buildProcessorList(config: GenerationConfig): ProcessorList {
  const processors: LogitsProcessor[] = [];
  if (config.repetition_penalty !== 1) processors.push(repetitionPenalty(config.repetition_penalty));
  if (config.no_repeat_ngram_size > 0) processors.push(noRepeatNgram(config.no_repeat_ngram_size));
  const eos = config.eosTokenIds;
  if (eos.length && ((config.min_new_tokens ?? 0) > 0 || config.min_length > 0)) {
    processors.push(suppressEosUntil(eos, config.min_new_tokens ?? 0, config.min_length));
  }
  const warpers: LogitsProcessor[] = [];
  let k: number | null = null;
  let topKAt = -1;
  if (config.do_sample) {
    if (config.temperature !== 1) warpers.push(temperature(config.temperature));
    if (config.top_k !== null && config.top_k > 0) {
      k = config.top_k;
      topKAt = warpers.length;
      warpers.push(topK(config.top_k));
    }
    if (config.top_p !== null && config.top_p < 1) warpers.push(topP(config.top_p));
    if (config.min_p !== null && config.min_p > 0) warpers.push(minP(config.min_p));
  }
  return { processors, warpers, topK: k, topKAt };
}
