// One reply: generate() from prompt ids with a streamed, stop-aware text, its finish reason and counts.
import { type LlamaForCausalLM, TextStreamer } from '@cria/models';
import type { PreTrainedTokenizer } from '@cria/tokenizer';
import { type GenerationTiming, timedGenerate } from '../timing.js';
import type { SamplingOptions } from './generation-flags.js';

export interface ReplyRequest {
  prompt: number[];
  maxNewTokens: number;
  sampling: SamplingOptions;
  /** The reply ends before the first of these strings (which is not part of it). */
  stop?: readonly string[];
  signal?: AbortSignal;
  /** Called with each new piece of text as it becomes safe to show. */
  onText?: (delta: string) => void;
}

export interface Reply {
  text: string;
  /** 'stop': an end-of-sequence token or a stop string ended it; 'length': it reached maxNewTokens. */
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Tokens generated, the end-of-sequence token included. */
  completionTokens: number;
  timing: GenerationTiming;
}

export async function generateReply(model: LlamaForCausalLM, tokenizer: PreTrainedTokenizer, request: ReplyRequest): Promise<Reply> {
  const stop = request.stop ?? [];
  let text = '';
  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    stop_strings: [...stop],
    callback_function: (piece) => {
      text += piece;
      request.onText?.(piece);
    },
  });
  const { sequence, timing } = await timedGenerate(model, request.prompt, {
    max_new_tokens: request.maxNewTokens,
    ...request.sampling,
    ...(stop.length ? { tokenizer, stop_strings: [...stop] } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    streamer,
  });
  const generated = sequence.slice(request.prompt.length);
  const endedByEos = generated.length > 0 && model.generation_config.eosTokenIds.includes(generated[generated.length - 1]!);
  return {
    text,
    finishReason: endedByEos || streamer.stopped || generated.length < request.maxNewTokens ? 'stop' : 'length',
    promptTokens: request.prompt.length,
    completionTokens: generated.length,
    timing,
  };
}

/** "[cria] cpu: prefill 12 tokens at 300.1 tok/s, decode 40 tokens at 90.2 tok/s" */
export function formatTiming(device: string, timing: GenerationTiming): string {
  return (
    `[cria] ${device}: prefill ${timing.promptLength} tokens at ${timing.prefillTokensPerSecond.toFixed(1)} tok/s, ` +
    `decode ${timing.newTokens} tokens at ${timing.decodeTokensPerSecond.toFixed(1)} tok/s`
  );
}
