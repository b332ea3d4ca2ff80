// forward() inputs: Tensors, inputs_embeds, bad shapes; generate() stop_strings and streamer text.
import { getBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { AutoTokenizer } from '@cria/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { expectClose } from '../src/testing.js';

const DIR = fixture('models', 'llama2c-260k');
let model: LlamaForCausalLM;
beforeAll(async () => {
  model = await LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu' });
});
afterAll(() => model?.dispose());

describe('forward inputs', () => {
  it('input_ids as a Tensor and inputs_embeds give what number[][] gives', async () => {
    const ids = [[1, 40, 300, 7, 99]];
    const b = await getBackend('cpu');
    const reference = await model.forward({ input_ids: ids, use_cache: false });
    const asTensor = await model.forward({ input_ids: b.upload(Int32Array.from(ids[0]!), [1, 5], 'int32'), use_cache: false });
    expect(await asTensor.logits!.toFloat32()).toEqual(await reference.logits!.toFloat32());
    const idTensor = b.upload(Int32Array.from(ids[0]!), [1, 5], 'int32');
    const embeds = b.embedding(model.model.embed_tokens.weight.value, idTensor);
    const fromEmbeds = await model.forward({ inputs_embeds: embeds, use_cache: false });
    expectClose(await fromEmbeds.logits!.toFloat32(), await reference.logits!.toFloat32(), 1e-7, 'inputs_embeds');
    [reference, asTensor, fromEmbeds].forEach((o) => disposeOutput(o));
  });

  it('bad inputs are errors naming the argument', async () => {
    await expect(model.forward({ input_ids: [[1, 2], [3]] })).rejects.toThrow(/'input_ids' rows must have equal lengths/);
    await expect(model.forward({ input_ids: [[1, 600]] })).rejects.toThrow(/input_ids holds 600, outside the vocabulary \[0, 512\)/);
    await expect(model.forward({ input_ids: [[1, 2]], attention_mask: [[1]] })).rejects.toThrow(/attention_mask must be \[1, 2\]/);
    await expect(model.forward({ input_ids: [[1, 2]], position_ids: [[0]] })).rejects.toThrow(/position_ids must be \[1, 2\]/);
    await expect(model.forward({})).rejects.toThrow(/exactly one of input_ids and inputs_embeds/);
    await expect(model.generate([[1, 2]], { temperature: -1 })).rejects.toThrow(/temperature/);
  });
});

describe('generate with a tokenizer', () => {
  it('stop_strings stop at the token that completes the string; the streamer sees the text so far', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(DIR);
    const prompt = tokenizer.encode('Once upon a time');
    const [free] = await model.generate([prompt], { max_new_tokens: 20, eos_token_id: null });
    const generated = free!.slice(prompt.length);
    const fullText = tokenizer.decode(generated, { skip_special_tokens: true });
    // a stop string made of the text of the 4th..6th new tokens
    const upTo6 = tokenizer.decode(generated.slice(0, 6), { skip_special_tokens: true });
    const upTo3 = tokenizer.decode(generated.slice(0, 3), { skip_special_tokens: true });
    const stop = upTo6.slice(upTo3.length).trim();
    expect(stop.length).toBeGreaterThan(0);
    const firstHit = generated.findIndex((_, n) => tokenizer.decode(generated.slice(0, n + 1), { skip_special_tokens: true }).includes(stop));
    const texts: string[] = [];
    const [stopped] = await model.generate([prompt], {
      max_new_tokens: 20,
      eos_token_id: null,
      stop_strings: stop,
      tokenizer,
      streamer: ({ text }) => texts.push(text),
    });
    expect(stopped).toEqual(free!.slice(0, prompt.length + firstHit + 1));
    expect(texts[texts.length - 1]).toBe(tokenizer.decode(stopped!.slice(prompt.length), { skip_special_tokens: true }));
    expect(fullText.startsWith(texts[texts.length - 1]!)).toBe(true);
    await expect(model.generate([prompt], { stop_strings: 'x' })).rejects.toThrow(/stop_strings.*tokenizer/);
  });
});
