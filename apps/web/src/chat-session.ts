// A loaded model and tokenizer, and one chat turn with streaming: the same @cria/models code as in Node.
import { type DeviceName, type ModelDirectory } from '@cria/core';
import { LlamaForCausalLM, TextStreamer } from '@cria/models';
import { AutoTokenizer, type ChatMessage } from '@cria/tokenizer';
import { type LoadProgress, withProgress } from './progress-directory.js';

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

export interface ReplyOptions {
  max_new_tokens: number;
  /** Greedy when false (the default). */
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  seed?: number;
  /** The reply so far, whenever it grows, with the number of tokens generated so far. */
  onText?: (text: string, tokens: number) => void;
  signal?: AbortSignal;
}

export interface Reply {
  text: string;
  tokens: number;
  /** Generated tokens per second, from the first call to the last token (prefill included). */
  tokensPerSecond: number;
  stopped: boolean;
}

export class ChatSession {
  private constructor(
    readonly model: LlamaForCausalLM,
    readonly tokenizer: Tokenizer,
  ) {}

  /** Loads tokenizer and weights from `directory` onto `device` (default 'auto': WebGPU on a hardware adapter, else the cpu backend). */
  static async load(directory: ModelDirectory, options: { device?: DeviceName; onProgress?: (p: LoadProgress) => void } = {}): Promise<ChatSession> {
    const dir = options.onProgress ? withProgress(directory, options.onProgress) : directory;
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: options.device ?? 'auto' });
    return new ChatSession(model, tokenizer);
  }

  /** Whether the tokenizer has a chat template (instruct models); base models get the last message as plain text. */
  get hasChatTemplate(): boolean {
    return this.tokenizer.chat_template !== null && this.tokenizer.chat_template !== undefined;
  }

  /** The prompt ids for a conversation: the chat template with a generation prompt, else the last user message encoded. */
  promptIds(messages: ChatMessage[]): number[] {
    if (this.hasChatTemplate) return this.tokenizer.apply_chat_template(messages, { add_generation_prompt: true });
    const last = messages[messages.length - 1];
    return this.tokenizer.encode(typeof last?.content === 'string' ? last.content : '');
  }

  /** Generates the assistant's reply, streaming its text. A stop (signal) keeps what was generated. */
  async reply(messages: ChatMessage[], options: ReplyOptions): Promise<Reply> {
    const prompt = this.promptIds(messages);
    let text = '';
    let tokens = 0;
    let stopped = false;
    const start = performance.now();
    let last = start;
    const streamer = new TextStreamer(this.tokenizer, {
      skip_prompt: true,
      token_callback_function: () => {
        tokens++;
        last = performance.now();
      },
      callback_function: (piece) => {
        text += piece;
        options.onText?.(text, tokens);
      },
    });
    try {
      await this.model.generate([prompt], {
        max_new_tokens: options.max_new_tokens,
        do_sample: options.do_sample ?? false,
        ...(options.do_sample ? { temperature: options.temperature ?? 1, top_k: options.top_k ?? 50, seed: options.seed ?? null } : {}),
        streamer,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (!options.signal?.aborted) throw error;
      stopped = true;
      streamer.end(); // what was held back (an unfinished character, as U+FFFD) is part of the kept reply
    }
    const seconds = (last - start) / 1000;
    return { text, tokens, tokensPerSecond: seconds > 0 ? tokens / seconds : 0, stopped };
  }

  dispose(): void {
    this.model.dispose();
  }
}
