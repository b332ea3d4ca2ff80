// The converted tokenizers encode the vector texts exactly as the reference tokenizer.json does
// (ids from Hugging Face `tokenizers`, in fixtures/tokenizers/vectors/hf-tokenizers.json).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '@cria/core/testing';
import { AutoTokenizer } from '@cria/tokenizer';
import { convertLlamaTokenizer } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'cria-tok-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface EncodeCase {
  text: string;
  ids: number[];
  ids_no_special: number[];
}
const vectors = JSON.parse(readFileSync(fixture('tokenizers', 'vectors', 'hf-tokenizers.json'), 'utf8')) as { sets: Record<'llama2' | 'llama3', { encode: EncodeCase[] }> };

describe('tokenizer conversion', () => {
  it('SentencePiece tokenizer.model (Llama 2) -> tokenizer.json encoding every vector like the reference', async () => {
    const out = join(work, 'llama2');
    const result = await convertLlamaTokenizer(fixture('tokenizers', 'llama2', 'tokenizer.model'), out, { version: '2' });
    expect(result.vocabSize).toBe(32000);
    const tokenizer = await AutoTokenizer.from_pretrained(out);
    for (const c of vectors.sets.llama2.encode) {
      expect(tokenizer.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
      expect(tokenizer.encode(c.text, { add_special_tokens: false }), JSON.stringify(c.text)).toEqual(c.ids_no_special);
    }
    const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', tokenizer_class: 'LlamaTokenizer', model_max_length: 4096 });
  });

  it('tiktoken tokenizer.model (Llama 3) -> tokenizer.json encoding every vector like the reference', async () => {
    const out = join(work, 'llama3');
    const result = await convertLlamaTokenizer(fixture('tokenizers', 'llama3', 'tokenizer.model'), out, { version: '3' });
    expect(result.vocabSize).toBe(128256);
    const tokenizer = await AutoTokenizer.from_pretrained(out);
    for (const c of vectors.sets.llama3.encode) {
      expect(tokenizer.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
      expect(tokenizer.encode(c.text, { add_special_tokens: false }), JSON.stringify(c.text)).toEqual(c.ids_no_special);
    }
  });

  it('Llama 2 --instruct: tokenizer_config carries the Llama 2 chat template, as the reference does', async () => {
    const out = join(work, 'llama2i');
    await convertLlamaTokenizer(fixture('tokenizers', 'llama2', 'tokenizer.model'), out, { version: '2', instruct: true });
    const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(typeof config.chat_template).toBe('string');
    const reference = JSON.parse(readFileSync(fixture('tokenizers', 'llama2', 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.chat_template).toBe(reference.chat_template);
  });

  it('Llama 3.1 --instruct: eot eos, the 3.1 special tokens and a chat template', async () => {
    const out = join(work, 'llama31i');
    await convertLlamaTokenizer(fixture('tokenizers', 'llama3', 'tokenizer.model'), out, { version: '3.1', instruct: true });
    const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.eos_token).toBe('<|eot_id|>');
    expect(typeof config.chat_template).toBe('string');
    const tokenizer = await AutoTokenizer.from_pretrained(out);
    expect(tokenizer.encode('<|python_tag|>', { add_special_tokens: false })).toEqual([128010]);
    expect(tokenizer.encode('<|eom_id|>', { add_special_tokens: false })).toEqual([128008]);
  });
});
