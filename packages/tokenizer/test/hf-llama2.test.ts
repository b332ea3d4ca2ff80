// hf-tokenizers.json, llama2 set: tokenizers (Rust) and sentencepiece outputs, through the public API,
// for the tokenizer.json path (AutoTokenizer -> LlamaTokenizerFast) and the tokenizer.model path
// (LlamaTokenizer, the slow SentencePiece tokenizer).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSentencePieceModel, sentencePieceToTokenizerJson } from '../src/index.js';
import { AutoTokenizer, LlamaTokenizer, LlamaTokenizerFast, type PreTrainedTokenizer, SentencePieceProcessor } from '../src/index.js';
import { type HfVectors, label, tokenizerDir, vectors } from './helpers.js';
import { chatTemplateSuite } from './suites/chat-templates.js';
import { hfTokenizersSuite } from './suites/hf-tokenizers.js';

const set = vectors<HfVectors>('hf-tokenizers.json').sets.llama2;
let fast: PreTrainedTokenizer;
let slow: LlamaTokenizer;

beforeAll(async () => {
  fast = await AutoTokenizer.from_pretrained(tokenizerDir('llama2'));
  slow = await LlamaTokenizer.from_pretrained(tokenizerDir('llama2'));
});

hfTokenizersSuite('llama2', () => fast, () => {
  expect(fast).toBeInstanceOf(LlamaTokenizerFast);
  expect(set.tokenizer_json).toBe('llama2/tokenizer.json');
});

describe('llama2 tokenizer.model', () => {
  it.each(set.encode.map((e, i) => [i, label(e.text), e] as const))('LlamaTokenizer (slow) gives the tokenizer.json ids #%i %s', (_i, _l, e) => {
    expect(slow.encode(e.text)).toEqual(e.ids);
    expect(slow.encode(e.text, { add_special_tokens: false })).toEqual(e.ids_no_special);
    expect(slow.tokenize(e.text)).toEqual(e.tokens);
  });
  it('tokenizer.json and tokenizer.model agree on the llama3 set\'s texts too', () => {
    const other = vectors<HfVectors>('hf-tokenizers.json').sets.llama3.encode.map((e) => e.text);
    const differ = other.filter((t) => JSON.stringify(fast.encode(t)) !== JSON.stringify(slow.encode(t)));
    expect(differ).toEqual([]);
  });
  it('sentencePieceToTokenizerJson reproduces the fixture tokenizer.json', () => {
    const dir = tokenizerDir('llama2');
    const mine = sentencePieceToTokenizerJson(parseSentencePieceModel(new Uint8Array(readFileSync(join(dir, 'tokenizer.model')))));
    const ref = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const { model, ...rest } = mine;
    const { model: refModel, ...refRest } = ref;
    expect(rest).toEqual(refRest);
    const { vocab, ...m } = model as { vocab: Record<string, number> };
    const { vocab: refVocab, ...rm } = refModel;
    expect(m).toEqual(rm);
    expect(new Map(Object.entries(vocab))).toEqual(new Map(Object.entries(refVocab)));
  });
  it('SentencePieceProcessor gives sentencepiece 0.2.2 ids on every text', () => {
    const sp = slow.sp;
    expect(sp).toBeInstanceOf(SentencePieceProcessor);
    const wrong = set.encode.filter((e) => JSON.stringify(sp.encode(e.text)) !== JSON.stringify(e.sentencepiece_ids));
    expect(wrong.map((e) => e.text)).toEqual([]);
    expect(set.encode.every((e) => Array.isArray(e.sentencepiece_ids))).toBe(true);
  });
  it('sentencepiece decode(encode(text)) is the text (identity normalizer, byte fallback: lossless)', () => {
    const sp = slow.sp;
    // U+2581 in the input is sentencepiece's own space symbol, so it comes back as a space.
    for (const e of set.encode) expect(sp.decode(e.sentencepiece_ids!)).toBe(e.text.replaceAll('\u2581', ' '));
  });
});

chatTemplateSuite('llama2', () => fast);
chatTemplateSuite('llama2', () => slow, 'tokenizer.model');
