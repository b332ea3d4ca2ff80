// chat-templates.json: jinja2 renderings as transformers does them, and their ids.
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, ChatTemplateError, type ChatMessage, type PreTrainedTokenizer } from '../src/index.js';
import { tokenizerDir, vectors } from './helpers.js';

type Case = { tokenizer: 'llama2' | 'llama3'; messages: ChatMessage[]; add_generation_prompt: boolean; rendered?: string; ids?: number[]; error?: string };
const cases = vectors<{ cases: Case[] }>('chat-templates.json').cases;
const toks: Partial<Record<'llama2' | 'llama3', PreTrainedTokenizer>> = {};

beforeAll(async () => {
  toks.llama2 = await AutoTokenizer.from_pretrained(tokenizerDir('llama2'));
  toks.llama3 = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'));
});

describe('chat-templates.json', () => {
  it.each(cases.map((c, i) => [i, c.tokenizer, c.error ? 'error' : 'render', c] as const))('#%i %s %s', (_i, _t, _k, c) => {
    const tok = toks[c.tokenizer]!;
    const opts = { add_generation_prompt: c.add_generation_prompt };
    if (c.error !== undefined) {
      expect(() => tok.apply_chat_template(c.messages, { ...opts, tokenize: false })).toThrow(ChatTemplateError);
      expect(() => tok.apply_chat_template(c.messages, opts)).toThrow(c.error);
      return;
    }
    expect(tok.apply_chat_template(c.messages, { ...opts, tokenize: false })).toBe(c.rendered);
    expect(tok.apply_chat_template(c.messages, opts)).toEqual(c.ids);
    const dict = tok.apply_chat_template(c.messages, { ...opts, return_dict: true });
    expect(dict.input_ids).toEqual(c.ids);
    expect(dict.attention_mask).toEqual(c.ids!.map(() => 1));
  });
});
