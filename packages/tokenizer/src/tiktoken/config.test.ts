import { readFileSync } from 'node:fs';
import { ArgumentError } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { renderChatTemplate } from '../chat-template.js';
import { LLAMA2_CHAT_TEMPLATE, sentencePieceTokenizerConfig } from '../sentencepiece/config.js';
import { llama3TokenizerConfig } from './to-json.js';

const fixtureConfig = (name: string) => JSON.parse(readFileSync(fixture('tokenizers', name, 'tokenizer_config.json'), 'utf8'));

describe('tokenizer_config.json for converted checkpoints', () => {
  it('Llama 3 instruct: the fixture chat template, eos <|eot_id|>, the fixture added-token table', () => {
    const ref = fixtureConfig('llama3');
    const mine = llama3TokenizerConfig({ version: '3', instruct: true });
    expect(mine.chat_template).toBe(ref.chat_template);
    expect(mine.bos_token).toBe(ref.bos_token);
    expect(mine.eos_token).toBe('<|eot_id|>');
    expect(mine.added_tokens_decoder).toEqual(ref.added_tokens_decoder);
    expect(mine.tokenizer_class).toBe('PreTrainedTokenizerFast');
  });
  it('Llama 3 base: eos <|end_of_text|> and no chat template', () => {
    const mine = llama3TokenizerConfig({ version: '3' });
    expect(mine.eos_token).toBe('<|end_of_text|>');
    expect(mine.chat_template).toBeUndefined();
    expect(() => llama3TokenizerConfig({ version: '4' as never })).toThrow(ArgumentError);
  });
  it('Llama 3.1 instruct: the system header with knowledge cutoff and date', () => {
    const mine = llama3TokenizerConfig({ version: '3.1', instruct: true });
    expect((mine.added_tokens_decoder as Record<string, { content: string }>)['128008']!.content).toBe('<|eom_id|>');
    const rendered = renderChatTemplate(mine.chat_template as string, {
      messages: [{ role: 'user', content: ' Hi ' }],
      add_generation_prompt: true,
      bos_token: '<|begin_of_text|>',
    });
    expect(rendered).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });
  it('Llama 2 chat: the fixture template and LlamaTokenizer settings', () => {
    const ref = fixtureConfig('llama2');
    const mine = sentencePieceTokenizerConfig({ version: '2', instruct: true });
    expect(LLAMA2_CHAT_TEMPLATE).toBe(ref.chat_template);
    for (const key of ['tokenizer_class', 'add_bos_token', 'add_eos_token', 'bos_token', 'eos_token', 'unk_token', 'legacy', 'model_max_length', 'chat_template']) expect(mine[key], key).toEqual(ref[key]);
    expect(sentencePieceTokenizerConfig({ version: '1' }).model_max_length).toBe(2048);
  });
});
