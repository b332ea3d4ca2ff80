// The response objects of OpenAI's completions and chat completions APIs, as cria fills them.
import type { Reply } from '../commands/run-generation.js';

export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(reply: Pick<Reply, 'promptTokens' | 'completionTokens'>): Usage {
  return { prompt_tokens: reply.promptTokens, completion_tokens: reply.completionTokens, total_tokens: reply.promptTokens + reply.completionTokens };
}

export function completion(who: ResponseIdentity, reply: Reply) {
  return {
    ...who,
    object: 'text_completion',
    choices: [{ index: 0, text: reply.text, logprobs: null, finish_reason: reply.finishReason }],
    usage: usageOf(reply),
  };
}

export function completionChunk(who: ResponseIdentity, text: string, finishReason: Reply['finishReason'] | null) {
  return { ...who, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }] };
}

export function chatCompletion(who: ResponseIdentity, reply: Reply) {
  return {
    ...who,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, logprobs: null, finish_reason: reply.finishReason }],
    usage: usageOf(reply),
  };
}

export function chatChunk(who: ResponseIdentity, delta: { role?: 'assistant'; content?: string }, finishReason: Reply['finishReason'] | null) {
  return { ...who, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
}

/** The last chunk of a stream when stream_options.include_usage is set: no choices, the usage. */
export function usageChunk(who: ResponseIdentity, object: string, reply: Reply) {
  return { ...who, object, choices: [], usage: usageOf(reply) };
}

export function modelObject(id: string, created: number) {
  return { id, object: 'model', created, owned_by: 'cria' };
}
