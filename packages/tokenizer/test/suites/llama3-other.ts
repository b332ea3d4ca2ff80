// llama.cpp's llama-bpe test, llama3-tokenizer-js's self-test and transformers' Llama 3 value, on llama3/.
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, type PreTrainedTokenizer } from '../../src/index.js';
import { label, tokenizerDir, vectors } from '../helpers.js';

const noClean = { clean_up_tokenization_spaces: false };

/** llama.cpp-llama-bpe, llama3-tokenizer-js and transformers' Llama 3 value, on the tokenizer.json tokenizer `get` returns. */
export function llama3OtherSuite(get: () => PreTrainedTokenizer): void {
let tok: PreTrainedTokenizer;
let tok31: PreTrainedTokenizer;
beforeAll(async () => {
  tok = get();
  // llama3-tokenizer-js names ids 128000-128255 as Llama 3.1 does: Meta's tokenizer.model converted as 3.1.
  tok31 = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'), { use_fast: false, llama3_version: '3.1' });
});

describe('llama.cpp-llama-bpe.json', () => {
  const cases = vectors<{ text: string; ids_no_special: number[] }[]>('llama.cpp-llama-bpe.json');
  it.each(cases.map((c, i) => [i, label(c.text), c] as const))('#%i %s', (_i, _l, c) => {
    expect(tok.encode(c.text, { add_special_tokens: false })).toEqual(c.ids_no_special);
  });
});

describe('llama3-tokenizer-js.json', () => {
  // llama3-tokenizer-js: encode(text, {bos, eos}) with both defaulting to true, eos = <|end_of_text|>;
  // decode(ids) prints special tokens; optimisticCount(text) counts special-token text as one token.
  type Case = { op: 'encode' | 'decode' | 'optimisticCount'; args: unknown[]; result: unknown };
  const cases = vectors<Case[]>('llama3-tokenizer-js.json');
  it.each(cases.map((c, i) => [i, c.op, c] as const))('#%i %s', (_i, _op, c) => {
    const tok = tok31;
    if (c.op === 'encode') {
      const [text, opts] = c.args as [string, { bos?: boolean; eos?: boolean } | null];
      const bos = opts?.bos ?? true;
      const eos = opts?.eos ?? true;
      const ids = tok.encode(text, { add_special_tokens: bos });
      if (eos) ids.push(tok.convert_tokens_to_ids('<|end_of_text|>'));
      expect(ids).toEqual(c.result);
    } else if (c.op === 'decode') {
      const [ids] = c.args as [number[]];
      expect(tok.decode(ids, noClean)).toBe(c.result);
    } else {
      // optimisticCount = encode(text, {bos: true, eos: true}).length with every <|name|> counted as one
      // token, known or not; the rest is encoded normally.
      const [text] = c.args as [string];
      const names = [...new Set(text.match(/<\|[A-Za-z0-9_]+\|>/g) ?? [])];
      const count = (t: string): number => {
        let n = 2; // bos and eos
        for (const part of t.split(/(<\|[A-Za-z0-9_]+\|>)/)) {
          if (names.includes(part)) n++;
          else if (part !== '') n += tok.encode(part, { add_special_tokens: false }).length;
        }
        return n;
      };
      expect(count(text)).toBe(c.result);
    }
  });
});

describe('transformers-tests.json llama3_tiktoken', () => {
  const t = vectors<{ llama3_tiktoken: { text: string; ids_bos_eos: number[] }[] }>('transformers-tests.json');
  it.each(t.llama3_tiktoken.map((c) => [label(c.text), c] as const))('%s', (_l, c) => {
    const ids = tok.encode(c.text);
    ids.push(tok.convert_tokens_to_ids('<|end_of_text|>'));
    expect(ids).toEqual(c.ids_bos_eos);
  });
});
}
