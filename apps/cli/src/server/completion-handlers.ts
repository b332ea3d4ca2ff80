// POST /v1/completions and POST /v1/chat/completions: validate, queue, generate, answer as JSON or SSE.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { CriaError } from '@cria/core';
import { ChatTemplateError } from '@cria/tokenizer';
import { chatPromptIds } from '../commands/chat-session.js';
import type { SamplingOptions } from '../commands/generation-flags.js';
import { type LoadedModel, hasChatTemplate } from '../commands/model-loading.js';
import { type Reply, generateReply } from '../commands/run-generation.js';
import type { GenerationQueue } from './generation-queue.js';
import { EventStream, HttpError, sendJson } from './http-io.js';
import { type ResponseIdentity, chatChunk, chatCompletion, completion, completionChunk, usageChunk } from './openai-objects.js';
import { type GenerationFields, applySampling, parseChatRequest, parseCompletionRequest } from './request-fields.js';

export interface CompletionContext {
  loaded: LoadedModel;
  modelId: string;
  /** max_tokens when a request leaves it out. */
  defaultMaxTokens: number;
  /** Sampling defaults under each request's fields (from the serve command's flags). */
  sampling: SamplingOptions;
  queue: GenerationQueue;
  log: (line: string) => void;
}

type Kind = 'completion' | 'chat';

export async function handleCompletion(ctx: CompletionContext, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const request = parseCompletionRequest(body, ctx.loaded.model.config.vocab_size);
  let prompt = typeof request.prompt === 'string' ? ctx.loaded.tokenizer.encode(request.prompt) : request.prompt;
  if (prompt.length === 0) prompt = [ctx.loaded.model.generation_config.bos_token_id ?? ctx.loaded.model.config.bos_token_id ?? 1];
  await respond(ctx, 'completion', prompt, request, 'prompt', res);
}

export async function handleChatCompletion(ctx: CompletionContext, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const request = parseChatRequest(body);
  if (!hasChatTemplate(ctx.loaded.tokenizer)) {
    throw new HttpError(400, `the served model has no chat template (${ctx.loaded.dir}/tokenizer_config.json sets no chat_template); use /v1/completions`, 'messages');
  }
  let prompt: number[];
  try {
    prompt = chatPromptIds(ctx.loaded, request.messages);
  } catch (error) {
    if (error instanceof ChatTemplateError) throw new HttpError(400, `the chat template refused the messages: ${error.message}`, 'messages');
    throw error;
  }
  await respond(ctx, 'chat', prompt, request, 'messages', res);
}

async function respond(ctx: CompletionContext, kind: Kind, prompt: number[], fields: GenerationFields, promptField: string, res: ServerResponse): Promise<void> {
  const room = ctx.loaded.contextLength - prompt.length;
  if (room <= 0) {
    throw new HttpError(400, `'${promptField}' is ${prompt.length} tokens; the model's context (max_position_embeddings) is ${ctx.loaded.contextLength}`, promptField);
  }
  const who: ResponseIdentity = { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: ctx.modelId };
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) clientGone.abort(new Error('client closed the connection'));
  });
  const reply = (onText?: (delta: string) => void): Promise<Reply> =>
    generateReply(ctx.loaded.model, ctx.loaded.tokenizer, {
      prompt,
      maxNewTokens: Math.min(fields.maxTokens ?? ctx.defaultMaxTokens, room),
      sampling: applySampling(ctx.sampling, fields),
      stop: fields.stop,
      signal: clientGone.signal,
      ...(onText ? { onText } : {}),
    });
  const logged = (r: Reply): Reply => {
    ctx.log(
      `[cria] ${kind === 'chat' ? '/v1/chat/completions' : '/v1/completions'}: prompt ${r.promptTokens} tokens, ${r.completionTokens} new ` +
        `(${r.finishReason}), prefill ${r.timing.prefillTokensPerSecond.toFixed(1)} tok/s, decode ${r.timing.decodeTokensPerSecond.toFixed(1)} tok/s`,
    );
    return r;
  };

  if (!fields.stream) {
    const r = logged(await ctx.queue.run(() => reply(), clientGone.signal));
    sendJson(res, 200, kind === 'chat' ? chatCompletion(who, r) : completion(who, r));
    return;
  }
  await ctx.queue.run(async () => {
    const events = new EventStream(res);
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    if (kind === 'chat') events.send(chatChunk(who, { role: 'assistant', content: '' }, null));
    try {
      const r = logged(
        await reply((delta) => events.send(kind === 'chat' ? chatChunk(who, { content: delta }, null) : completionChunk(who, delta, null))),
      );
      events.send(kind === 'chat' ? chatChunk(who, {}, r.finishReason) : completionChunk(who, '', r.finishReason));
      if (fields.includeUsage) events.send(usageChunk(who, object, r));
    } catch (error) {
      if (clientGone.signal.aborted) return;
      // The status line is sent: report the failure as an event, as OpenAI's streams do.
      ctx.log(`[cria] generation failed: ${(error as Error).message}`);
      events.send({ error: { message: (error as Error).message, type: error instanceof CriaError ? 'invalid_request_error' : 'server_error', param: null, code: 500 } });
    }
    events.done();
  }, clientGone.signal);
}
