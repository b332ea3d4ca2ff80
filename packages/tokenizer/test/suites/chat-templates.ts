// chat-templates.json: jinja2 renderings as transformers does them, and their ids.
import { describe, expect, it } from 'vitest';
import { ChatTemplateError, type ChatMessage, type PreTrainedTokenizer } from '../../src/index.js';
import { vectors } from '../helpers.js';

type Case = { tokenizer: 'llama2' | 'llama3'; messages: ChatMessage[]; add_generation_prompt: boolean; rendered?: string; ids?: number[]; error?: string };
const cases = vectors<{ cases: Case[] }>('chat-templates.json').cases;

/** The cases of chat-templates.json for one tokenizer folder, run on the tokenizer `get` returns. */
export function chatTemplateSuite(name: 'llama2' | 'llama3', get: () => PreTrainedTokenizer, path = 'tokenizer.json'): void {
describe(`chat-templates.json (${name}, ${path})`, () => {
  const mine = cases.map((c, i) => [i, c] as const).filter(([, c]) => c.tokenizer === name);
  it('has cases', () => expect(mine.length).toBeGreaterThan(0));
  it.each(mine.map(([i, c]) => [i, c.error ? 'error' : 'render', c] as const))('#%i %s', (_i, _k, c) => {
    const tok = get();
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
}
