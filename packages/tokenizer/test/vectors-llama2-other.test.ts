// llama.cpp's llama-spm test, llama2.c's test.c, llama-tokenizer-js's self-test and transformers'
// test_tokenization_llama.py values on llama2/, through the tokenizer.json (LlamaTokenizerFast) and
// tokenizer.model (LlamaTokenizer) paths.
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, LlamaTokenizer, LlamaTokenizerFast, type PreTrainedTokenizer } from '../src/index.js';
import { label, tokenizerDir, vectors } from './helpers.js';

const paths: Record<string, PreTrainedTokenizer> = {};
beforeAll(async () => {
  paths['tokenizer.json'] = await AutoTokenizer.from_pretrained(tokenizerDir('llama2'));
  paths['tokenizer.model'] = await LlamaTokenizer.from_pretrained(tokenizerDir('llama2'));
});
const PATHS = ['tokenizer.json', 'tokenizer.model'] as const;

describe('llama.cpp-llama-spm.json', () => {
  const cases = vectors<{ text: string; ids_no_special: number[] }[]>('llama.cpp-llama-spm.json');
  it.each(PATHS.flatMap((p) => cases.map((c, i) => [p, i, label(c.text), c] as const)))('%s #%i %s', (p, _i, _l, c) => {
    expect(paths[p]!.encode(c.text, { add_special_tokens: false })).toEqual(c.ids_no_special);
  });
});

describe('llama2c-test-c.json', () => {
  const cases = vectors<{ cases: { text: string; ids_with_bos: number[] }[] }>('llama2c-test-c.json').cases;
  it.each(PATHS.flatMap((p) => cases.map((c, i) => [p, i, label(c.text), c] as const)))('%s #%i %s', (p, _i, _l, c) => {
    expect(paths[p]!.encode(c.text)).toEqual(c.ids_with_bos);
  });
});

describe('llama-tokenizer-js.json', () => {
  // llama-tokenizer-js: encode(text, add_bos_token, add_preceding_space, log) -> ids with BOS here;
  // decode(ids, add_bos_token = true, add_preceding_space = true): add_bos_token drops a leading BOS
  // (skip_special_tokens), add_preceding_space removes the one leading space (what the Llama decoder's
  // Strip step does). With add_preceding_space = false the library keeps that space: the test then
  // expects the transformers result to be the library's result without it.
  type Case = { op: 'encode' | 'decode'; args: unknown[]; result: unknown };
  const cases = vectors<Case[]>('llama-tokenizer-js.json');
  const tok = () => paths['tokenizer.json']!;
  it.each(cases.map((c, i) => [i, c.op, c] as const))('#%i %s', (_i, _op, c) => {
    if (c.op === 'encode') {
      const [text, addBos, addPrecedingSpace] = c.args as [string, boolean, boolean];
      expect(addPrecedingSpace).toBe(true);
      expect(tok().encode(text, { add_special_tokens: addBos })).toEqual(c.result);
      return;
    }
    const [ids, addBos = true, addPrecedingSpace = true] = c.args as [number[], boolean?, boolean?];
    const expected = c.result as string;
    const got = tok().decode(ids, { skip_special_tokens: addBos });
    expect(got).toBe(addPrecedingSpace ? expected : expected.replace(/^ /, ''));
  });
});

type TfCase = { text: string; ids?: number[]; tokens?: string[]; add_special_tokens?: boolean };
const tf = vectors<Record<string, unknown>>('transformers-tests.json');

describe('transformers-tests.json legacy_default_llama2_tokenizer_with_bos', () => {
  const cases = tf.legacy_default_llama2_tokenizer_with_bos as { text: string; ids: number[] }[];
  it.each(PATHS.flatMap((p) => cases.map((c) => [p, label(c.text), c] as const)))('%s %s', (p, _l, c) => {
    expect(paths[p]!.encode(c.text)).toEqual(c.ids);
  });
});

describe('transformers-tests.json decode', () => {
  const cases = tf.decode as { ids: number[]; text: string; skip_special_tokens?: boolean }[];
  it.each(cases.map((c) => [JSON.stringify(c.ids), c] as const))('%s', (_l, c) => {
    expect(paths['tokenizer.json']!.decode(c.ids, { skip_special_tokens: c.skip_special_tokens ?? false })).toBe(c.text);
  });
});

describe('transformers-tests.json add_eos_token', () => {
  const cases = tf.add_eos_token as { text: string; add_bos: boolean; add_eos: boolean; ids: number[] }[];
  it.each(cases.map((c) => [c.add_bos, c.add_eos, c] as const))('add_bos %s add_eos %s', async (_b, _e, c) => {
    const fast = await LlamaTokenizerFast.from_pretrained(tokenizerDir('llama2'), { add_bos_token: c.add_bos, add_eos_token: c.add_eos });
    expect(fast.encode(c.text)).toEqual(c.ids);
    const slow = paths['tokenizer.model'] as LlamaTokenizer;
    const [bos, eos] = [slow.add_bos_token, slow.add_eos_token];
    slow.add_bos_token = c.add_bos;
    slow.add_eos_token = c.add_eos;
    expect(slow.encode(c.text)).toEqual(c.ids);
    [slow.add_bos_token, slow.add_eos_token] = [bos, eos];
  });
});

function checkCase(tok: PreTrainedTokenizer, c: TfCase): void {
  if (c.ids) expect(tok.encode(c.text, { add_special_tokens: c.add_special_tokens ?? true })).toEqual(c.ids);
  if (c.tokens) expect(tok.tokenize(c.text)).toEqual(c.tokens);
}

describe('transformers-tests.json non-legacy (LlamaTokenizerFast from_slow, legacy=false)', () => {
  const key = Object.keys(tf).find((k) => k.startsWith('non_legacy_llama-7b_tokenizer'))!;
  const cases = tf[key] as TfCase[];
  let tok: PreTrainedTokenizer;
  beforeAll(async () => {
    tok = await LlamaTokenizerFast.from_pretrained(tokenizerDir('llama2'), { legacy: false, from_slow: true });
    expect(tok.add_tokens([{ content: '<REPR_END>', lstrip: true, rstrip: true }], false)).toBe(1);
    expect(tok.convert_tokens_to_ids('<REPR_END>')).toBe(32000);
  });
  it.each(cases.map((c) => [label(c.text), c] as const))('%s', (_l, c) => checkCase(tok, c));
});

describe('transformers-tests.json add_prefix_space=false, non-legacy', () => {
  const cases = [...(tf.add_prefix_space_false_non_legacy as TfCase[]), ...(tf['non_legacy_add_prefix_space_false_llama-7b'] as TfCase[])];
  let fast: PreTrainedTokenizer;
  let slow: PreTrainedTokenizer;
  beforeAll(async () => {
    fast = await LlamaTokenizerFast.from_pretrained(tokenizerDir('llama2'), { legacy: false, add_prefix_space: false });
    slow = await LlamaTokenizer.from_pretrained(tokenizerDir('llama2'), { legacy: false, add_prefix_space: false });
  });
  it.each(cases.map((c) => [label(c.text), c] as const))('fast %s', (_l, c) => checkCase(fast, c));
  it.each(cases.map((c) => [label(c.text), c] as const))('slow %s', (_l, c) => checkCase(slow, c));
});
