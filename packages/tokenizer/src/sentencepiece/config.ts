import { ArgumentError } from '@cria/core';

/** Chat template of the Llama 2 chat models ([INST] ... [/INST], <<SYS>> block), as their tokenizer_config.json carries it. */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

export interface SentencePieceConfigOptions {
  /** '1' (LLaMA, 2048 positions) or '2' (Llama 2, 4096). */
  version: '1' | '2';
  /** Chat models get the Llama 2 chat template. */
  instruct?: boolean;
  legacy?: boolean;
}

/** The tokenizer_config.json transformers writes beside a converted LLaMA 1 / Llama 2 tokenizer.model. */
export function sentencePieceTokenizerConfig(options: SentencePieceConfigOptions): Record<string, unknown> {
  if (options?.version !== '1' && options?.version !== '2') {
    throw new ArgumentError(`version: expected '1' or '2', got ${JSON.stringify(options?.version)}`);
  }
  const config: Record<string, unknown> = {
    tokenizer_class: 'LlamaTokenizer',
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    legacy: options.legacy ?? true,
    clean_up_tokenization_spaces: false,
    model_max_length: options.version === '1' ? 2048 : 4096,
  };
  if (options.instruct) config.chat_template = LLAMA2_CHAT_TEMPLATE;
  return config;
}
