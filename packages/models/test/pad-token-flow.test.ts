// The Llama 3 recipe for batching: add a pad token to the tokenizer, resize the embeddings, set
// config.pad_token_id, tokenize a batch with left padding, generate; each row equals its prompt alone.
import { fixture } from '@cria/core/testing';
import { AutoTokenizer } from '@cria/tokenizer';
import { expect, it } from 'vitest';
import { LlamaForCausalLM } from '../src/index.js';

it('add pad token -> resize_token_embeddings -> left-padded batch generate', async () => {
  const dir = fixture('models', 'llama2c-260k');
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
  expect(tokenizer.pad_token_id).toBeNull();
  tokenizer.add_special_tokens({ pad_token: '<pad>' });
  const padId = tokenizer.pad_token_id!;
  expect(padId).toBe(512);
  await model.resize_token_embeddings(tokenizer.vocab_size);
  model.config.pad_token_id = padId;
  expect(model.config.vocab_size).toBe(513);

  const texts = ['Once upon a time', 'The cat'];
  const batch = tokenizer._call(texts, { padding: true, padding_side: 'left' });
  expect(batch.input_ids[1]![0]).toBe(padId);
  const together = await model.generate(batch, { max_new_tokens: 6, pad_token_id: padId, eos_token_id: null });
  for (let i = 0; i < texts.length; i++) {
    const prompt = tokenizer.encode(texts[i]!);
    const [alone] = await model.generate([prompt], { max_new_tokens: 6, eos_token_id: null });
    const pads = batch.input_ids[i]!.length - prompt.length;
    expect(together[i]!.slice(pads)).toEqual(alone);
  }
  model.dispose();
});
