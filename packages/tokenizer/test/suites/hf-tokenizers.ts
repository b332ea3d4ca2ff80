// hf-tokenizers.json, one set: the encode and decode vectors of tokenizers (Rust) on the tokenizer.json path.
import { describe, expect, it } from 'vitest';
import type { PreTrainedTokenizer } from '../../src/index.js';
import { type HfVectors, label, vectors } from '../helpers.js';

const noClean = { clean_up_tokenization_spaces: false };

/** The encode and decode cases of hf-tokenizers.json's `name` set, run on the tokenizer `get` returns. */
export function hfTokenizersSuite(name: 'llama2' | 'llama3', get: () => PreTrainedTokenizer, checkTokenizer: () => void): void {
  const set = vectors<HfVectors>('hf-tokenizers.json').sets[name];

  describe(`${name} tokenizer.json (hf-tokenizers.json encode)`, () => {
    it(`AutoTokenizer picks the ${name} fast tokenizer`, checkTokenizer);
    it.each(set.encode.map((e, i) => [i, label(e.text), e] as const))('#%i %s', (_i, _l, e) => {
      const fast = get();
      expect(fast.encode(e.text)).toEqual(e.ids);
      expect(fast.encode(e.text, { add_special_tokens: false })).toEqual(e.ids_no_special);
      expect(fast.tokenize(e.text)).toEqual(e.tokens);
      expect(fast.decode(e.ids, { skip_special_tokens: true, ...noClean })).toBe(e.decoded);
      expect(fast.decode(e.ids, { skip_special_tokens: false, ...noClean })).toBe(e.decoded_with_special);
    });
  });

  describe(`${name} tokenizer.json (hf-tokenizers.json decode)`, () => {
    it.each(set.decode.map((d, i) => [i, d] as const))('#%i', (_i, d) => {
      const fast = get();
      expect(fast.decode(d.ids, noClean)).toBe(d.decoded);
      expect(fast.decode(d.ids, { skip_special_tokens: true, ...noClean })).toBe(d.decoded_skip_special);
    });
  });
}
