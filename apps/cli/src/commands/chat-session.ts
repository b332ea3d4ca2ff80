// A conversation with a chat model: the messages so far, rendered with the checkpoint's chat template.
import { ArgumentError } from '@cria/core';
import type { ChatMessage } from '@cria/tokenizer';
import type { SamplingOptions } from './generation-flags.js';
import { type LoadedModel, hasChatTemplate, noChatTemplateError } from './model-loading.js';
import { type Reply, generateReply } from './run-generation.js';

export interface ChatSessionOptions {
  system?: string;
  maxNewTokens: number;
  sampling: SamplingOptions;
}

/** Renders messages with the chat template and tokenizes them as transformers does (no extra special tokens). */
export function chatPromptIds(loaded: LoadedModel, messages: ChatMessage[]): number[] {
  if (!hasChatTemplate(loaded.tokenizer)) throw noChatTemplateError(loaded.dir);
  const rendered = loaded.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
  return loaded.tokenizer.encode(rendered, { add_special_tokens: false });
}

export class ChatSession {
  readonly messages: ChatMessage[] = [];
  private turns = 0;

  constructor(
    private readonly loaded: LoadedModel,
    private readonly options: ChatSessionOptions,
  ) {
    if (!hasChatTemplate(loaded.tokenizer)) throw noChatTemplateError(loaded.dir);
    this.reset();
  }

  /** Forgets the conversation (the system message stays). */
  reset(): void {
    this.messages.length = 0;
    if (this.options.system) this.messages.push({ role: 'system', content: this.options.system });
  }

  /**
   * Adds the user's message, generates the assistant's reply (streamed to onText) and keeps both.
   * A conversation longer than the model's context is an ArgumentError, and the message is not kept.
   */
  async send(content: string, stream: { onText?: (delta: string) => void; signal?: AbortSignal } = {}): Promise<Reply> {
    const conversation = [...this.messages, { role: 'user', content }];
    const prompt = chatPromptIds(this.loaded, conversation);
    const room = this.loaded.contextLength - prompt.length;
    if (room <= 0) {
      throw new ArgumentError(
        `the conversation is ${prompt.length} tokens and the model's context (max_position_embeddings) is ${this.loaded.contextLength}: /reset to start over`,
      );
    }
    const { seed } = this.options.sampling;
    // A given seed makes the session reproducible; each turn draws from its own stream.
    const sampling = seed === undefined ? this.options.sampling : { ...this.options.sampling, seed: (seed + this.turns) >>> 0 };
    const reply = await generateReply(this.loaded.model, this.loaded.tokenizer, {
      prompt,
      maxNewTokens: Math.min(this.options.maxNewTokens, room),
      sampling,
      ...stream,
    });
    this.turns++;
    this.messages.push({ role: 'user', content }, { role: 'assistant', content: reply.text });
    return reply;
  }
}
