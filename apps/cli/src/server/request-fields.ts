// Validation of OpenAI request bodies: each field checked, a 400 naming it when it is wrong or unsupported.
import type { ChatMessage } from '@cria/tokenizer';
import { type SamplingOptions, overrideSampling } from '../commands/generation-flags.js';
import { HttpError } from './http-io.js';

type Body = Record<string, unknown>;

/** The fields both endpoints share, in generate()'s terms. */
export interface GenerationFields {
  /** Undefined: the server's default (--max-new-tokens). */
  maxTokens: number | undefined;
  /** Request overrides of the sampling settings (see applySampling). */
  temperature: number | undefined;
  topP: number | undefined;
  topK: number | undefined;
  seed: number | undefined;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

export interface CompletionRequest extends GenerationFields {
  /** Text to tokenize (with the tokenizer's special tokens, as cria generate does) or token ids. */
  prompt: string | number[];
}

export interface ChatRequest extends GenerationFields {
  messages: ChatMessage[];
}

function bad(param: string, expected: string, value: unknown): HttpError {
  return new HttpError(400, `'${param}' must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`, param);
}

/** undefined for an absent or null field. */
function given(body: Body, name: string): unknown {
  const value = body[name];
  return value === null ? undefined : value;
}

function optionalNumber(body: Body, name: string, check: (n: number) => boolean, expected: string, integer = false): number | undefined {
  const value = given(body, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || !check(value)) throw bad(name, expected, value);
  return value;
}

function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = given(body, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(name, 'true or false', value);
  return value;
}

/** Fields cria does not implement: accepted only at their neutral value, so that nothing is silently ignored. */
const NEUTRAL: Record<string, (value: unknown) => boolean> = {
  n: (v) => v === 1,
  best_of: (v) => v === 1,
  echo: (v) => v === false,
  logprobs: (v) => v === false,
  top_logprobs: (v) => v === 0,
  suffix: (v) => v === '',
  presence_penalty: (v) => v === 0,
  frequency_penalty: (v) => v === 0,
  logit_bias: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0,
  tools: (v) => Array.isArray(v) && v.length === 0,
  tool_choice: (v) => v === 'none',
  functions: (v) => Array.isArray(v) && v.length === 0,
  function_call: (v) => v === 'none',
  response_format: (v) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'text',
};

function rejectUnsupported(body: Body): void {
  for (const [name, isNeutral] of Object.entries(NEUTRAL)) {
    const value = given(body, name);
    if (value !== undefined && !isNeutral(value)) throw new HttpError(400, `'${name}' is not supported by cria serve (got ${JSON.stringify(value)})`, name);
  }
}

function stopField(body: Body): string[] {
  const value = given(body, 'stop');
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw bad('stop', 'a non-empty string or an array of at most 4 non-empty strings', value);
  }
  return list as string[];
}

function generationFields(body: Body, maxTokensName: string, maxTokens: number | undefined): GenerationFields {
  rejectUnsupported(body);
  const model = given(body, 'model');
  if (model !== undefined && typeof model !== 'string') throw bad('model', 'a string', model);
  const streamOptions = given(body, 'stream_options');
  if (streamOptions !== undefined && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) throw bad('stream_options', 'an object', streamOptions);
  const includeUsage = streamOptions === undefined ? undefined : given(streamOptions as Body, 'include_usage');
  if (includeUsage !== undefined && typeof includeUsage !== 'boolean') throw bad('stream_options.include_usage', 'true or false', includeUsage);
  return {
    maxTokens: maxTokens ?? optionalNumber(body, maxTokensName, (n) => n >= 1, 'an integer >= 1', true),
    temperature: optionalNumber(body, 'temperature', (n) => n >= 0 && n <= 2, 'a number in [0, 2]'),
    topP: optionalNumber(body, 'top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    topK: optionalNumber(body, 'top_k', (n) => n >= 0, 'an integer >= 0', true),
    seed: optionalNumber(body, 'seed', (n) => n >= 0 && n < 2 ** 32, 'an integer in [0, 2^32)', true),
    stop: stopField(body),
    stream: optionalBoolean(body, 'stream') ?? false,
    includeUsage: includeUsage === true,
  };
}

export function parseCompletionRequest(body: Body, vocabSize: number): CompletionRequest {
  const fields = generationFields(body, 'max_tokens', undefined);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) prompt = prompt[0];
  const isIds = Array.isArray(prompt) && prompt.length > 0 && prompt.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize);
  if (typeof prompt !== 'string' && !isIds) {
    if (Array.isArray(prompt) && prompt.length > 1 && prompt.every((p) => typeof p === 'string' || Array.isArray(p))) {
      throw new HttpError(400, "'prompt' holds several prompts; cria serve takes one prompt per request", 'prompt');
    }
    throw bad('prompt', `a string or a non-empty array of token ids in [0, ${vocabSize})`, prompt);
  }
  return { ...fields, prompt: prompt as string | number[] };
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

function messageContent(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((part: unknown, j) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (typeof p !== 'object' || p === null || p.type !== 'text' || typeof p.text !== 'string') {
          throw bad(`${at}.content[${j}]`, "a text part {\"type\": \"text\", \"text\": \"...\"} (cria serves text only)", part);
        }
        return p.text;
      })
      .join('');
  }
  throw bad(`${at}.content`, 'a string or an array of text parts', value);
}

export function parseChatRequest(body: Body): ChatRequest {
  const maxCompletion = optionalNumber(body, 'max_completion_tokens', (n) => n >= 1, 'an integer >= 1', true);
  const fields = generationFields(body, 'max_tokens', maxCompletion);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages', 'a non-empty array of {role, content} messages', messages);
  return {
    ...fields,
    messages: messages.map((m: unknown, i) => {
      const at = `messages[${i}]`;
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw bad(at, 'an object {role, content}', m);
      const { role, content } = m as { role?: unknown; content?: unknown };
      if (typeof role !== 'string' || !ROLES.has(role)) throw bad(`${at}.role`, "one of 'system', 'developer', 'user', 'assistant'", role);
      return { role: role === 'developer' ? 'system' : role, content: messageContent(content, at) };
    }),
  };
}

/** The request's sampling over the server's defaults (see overrideSampling). */
export function applySampling(defaults: SamplingOptions, fields: GenerationFields): SamplingOptions {
  return overrideSampling(defaults, fields);
}
