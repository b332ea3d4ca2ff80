// tok512/: the same ids from tokenizer.json and tokenizer.model on every text of hf-tokenizers.json
// (a SentencePiece model with remove_extra_whitespaces on).
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, LlamaTokenizer, LlamaTokenizerFast, parseSentencePieceModel, sentencePieceToTokenizerJson, type PreTrainedTokenizer } from '../src/index.js';
import { type HfVectors, tokenizerDir, vectors } from './helpers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const sets = vectors<HfVectors>('hf-tokenizers.json').sets;
const texts = [...sets.llama2.encode, ...sets.llama3.encode].map((e) => e.text);
let fast: PreTrainedTokenizer;
let slow: PreTrainedTokenizer;

beforeAll(async () => {
  fast = await AutoTokenizer.from_pretrained(tokenizerDir('tok512'));
  slow = await AutoTokenizer.from_pretrained(tokenizerDir('tok512'), { use_fast: false });
});

describe('tok512', () => {
  it('loads both paths', () => {
    expect(fast).toBeInstanceOf(LlamaTokenizerFast);
    expect(slow).toBeInstanceOf(LlamaTokenizer);
    expect(fast.vocab_size).toBe(512);
    expect(slow.vocab_size).toBe(512);
  });
  it(`tokenizer.json and tokenizer.model give the same ids and tokens on ${texts.length} texts`, () => {
    const differ: string[] = [];
    for (const text of texts) {
      const a = fast.encode(text);
      const b = slow.encode(text);
      if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(fast.tokenize(text)) !== JSON.stringify(slow.tokenize(text))) differ.push(text);
    }
    expect(differ).toEqual([]);
  });
  it('whitespace is collapsed and trimmed as sentencepiece does', () => {
    expect(fast.encode('  a   b  ')).toEqual(fast.encode('a b'));
    expect(slow.encode('  a   b  ')).toEqual(slow.encode('a b'));
    expect(fast.encode('   ', { add_special_tokens: false })).toEqual([]);
  });
  it('sentencePieceToTokenizerJson reproduces tok512/tokenizer.json', () => {
    const dir = tokenizerDir('tok512');
    const mine = sentencePieceToTokenizerJson(parseSentencePieceModel(new Uint8Array(readFileSync(join(dir, 'tokenizer.model')))));
    const ref = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    expect(mine).toEqual(ref);
  });
});
