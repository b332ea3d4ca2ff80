// hf-tokenizers.json, llama3 set, through the public API: the tokenizer.json path (AutoTokenizer ->
// PreTrainedTokenizerFast) and the tokenizer.model path (Meta's tiktoken file, converted on load).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, PreTrainedTokenizerFast, type PreTrainedTokenizer } from '../src/index.js';
import { type HfVectors, label, tokenizerDir, vectors } from './helpers.js';
import { chatTemplateSuite } from './suites/chat-templates.js';
import { hfTokenizersSuite } from './suites/hf-tokenizers.js';
import { llama3OtherSuite } from './suites/llama3-other.js';

const set = vectors<HfVectors>('hf-tokenizers.json').sets.llama3;
let fast: PreTrainedTokenizer;
let fromModel: PreTrainedTokenizer;
const noClean = { clean_up_tokenization_spaces: false };

beforeAll(async () => {
  fast = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'));
  fromModel = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'), { use_fast: false });
});

hfTokenizersSuite('llama3', () => fast, () => {
  expect(fast).toBeInstanceOf(PreTrainedTokenizerFast);
  expect(fast.bos_token_id).toBe(128000);
  expect(fast.eos_token_id).toBe(128009);
  expect(fast.vocab_size).toBe(128256);
});

describe('llama3 tokenizer.model (tiktoken)', () => {
  it('converts to the fixture tokenizer.json (vocab, merges, added tokens, every component)', () => {
    const mine = (fromModel as PreTrainedTokenizerFast).toTokenizerJson();
    const ref = JSON.parse(readFileSync(join(tokenizerDir('llama3'), 'tokenizer.json'), 'utf8'));
    for (const key of ['added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) expect(mine[key], key).toEqual(ref[key]);
    const { vocab, merges, ...rest } = mine.model as { vocab: Record<string, number>; merges: string[] };
    const { vocab: refVocab, merges: refMerges, ...refRest } = ref.model;
    expect(rest).toEqual(refRest);
    expect(merges.length).toBe(refMerges.length);
    expect(merges.every((m, i) => m === refMerges[i])).toBe(true);
    expect(new Map(Object.entries(vocab))).toEqual(new Map(Object.entries(refVocab)));
  });
  it('tokenizer.json and tokenizer.model agree on the llama2 set\'s texts too', () => {
    const other = vectors<HfVectors>('hf-tokenizers.json').sets.llama2.encode.map((e) => e.text);
    const differ = other.filter((t) => JSON.stringify(fast.encode(t)) !== JSON.stringify(fromModel.encode(t)));
    expect(differ).toEqual([]);
  });
  it('loads as the same tokenizer', () => {
    expect(fromModel).toBeInstanceOf(PreTrainedTokenizerFast);
    expect(fromModel.vocab_size).toBe(128256);
    expect(fromModel.bos_token_id).toBe(128000);
  });
  it.each(set.encode.map((e, i) => [i, label(e.text), e] as const))('same ids as tokenizer.json #%i %s', (_i, _l, e) => {
    expect(fromModel.encode(e.text)).toEqual(e.ids);
    expect(fromModel.encode(e.text, { add_special_tokens: false })).toEqual(e.ids_no_special);
    expect(fromModel.decode(e.ids, { skip_special_tokens: true, ...noClean })).toBe(e.decoded);
  });
});

chatTemplateSuite('llama3', () => fast);
chatTemplateSuite('llama3', () => fromModel, 'tokenizer.model');
llama3OtherSuite(() => fast);

describe('Llama 3 API details', () => {
  it('uses its tokenizer.json post-processor; decodes without clean-up (a BPE model) as transformers 5 does', () => {
    const ids = fast.encode('Hello , world .');
    expect(ids[0]).toBe(128000);
    // tokenizer_config.json says clean_up_tokenization_spaces: true; transformers 5.18 ignores it for BPE.
    expect(fast.clean_up_tokenization_spaces).toBe(true);
    expect(fast.decode(ids, { skip_special_tokens: true })).toBe('Hello , world .');
    expect(fast.decode(fast.encode('a . b , c'), { skip_special_tokens: true })).toBe('a . b , c');
    // An explicit argument does what it says.
    expect(fast.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: true })).toBe('Hello, world.');
    expect(fast.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false })).toBe('Hello , world .');
    expect(fast.padding_side).toBe('right');
  });

  it("cleans up by default only with transformers 5's opt-in flag (as 5.18 gives: 'a. b, c Hello, world.')", async () => {
    const forced = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'), { clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output: true });
    const ids = forced.encode('a . b , c Hello , world .');
    expect(forced.decode(ids, { skip_special_tokens: true })).toBe('a. b, c Hello, world.');
    expect(forced.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false })).toBe('a . b , c Hello , world .');
  });
});
