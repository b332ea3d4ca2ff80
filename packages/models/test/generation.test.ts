// Decoding behaviour: cache == recompute, left-padded batches == rows alone, seeded sampling, top-k 1 == greedy.
import { fixture } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicCache, LlamaForCausalLM, StaticCache, disposeOutput } from '../src/index.js';
import { argmaxOf, expectClose } from '../src/testing.js';

let model: LlamaForCausalLM;
beforeAll(async () => {
  model = await LlamaForCausalLM.from_pretrained(fixture('models', 'tiny-llama2-gqa-f16-sharded'), { device: 'cpu' });
});
afterAll(() => model?.dispose());

const PROMPT = [1, 103, 428, 67, 304, 502, 511, 468];

/** Greedy decoding by recomputing the whole sequence every step (no cache). */
async function greedyWithoutCache(prompt: number[], steps: number): Promise<number[]> {
  const ids = [...prompt];
  for (let i = 0; i < steps; i++) {
    const out = await model.forward({ input_ids: [ids], use_cache: false });
    const logits = await out.logits!.toFloat32();
    const vocab = model.config.vocab_size;
    ids.push(argmaxOf(logits.subarray((ids.length - 1) * vocab)));
    disposeOutput(out);
  }
  return ids;
}

describe('KV cache', () => {
  it('decoding with the cache gives what recomputing without it gives', async () => {
    const [cached] = await model.generate([PROMPT], { max_new_tokens: 10, eos_token_id: null });
    expect(cached).toEqual(await greedyWithoutCache(PROMPT, 10));
  });

  it('logits of a token fed through the cache equal the full forward (DynamicCache growing, StaticCache)', async () => {
    const full = await model.forward({ input_ids: [PROMPT], use_cache: false });
    const fullLogits = await full.logits!.toFloat32();
    const vocab = model.config.vocab_size;
    for (const cache of [new DynamicCache(), new StaticCache({ max_cache_len: 16 })]) {
      const first = await model.forward({ input_ids: [PROMPT.slice(0, 3)], past_key_values: cache });
      disposeOutput(first, { keepCache: true });
      const rest: number[] = [];
      for (let t = 3; t < PROMPT.length; t++) {
        const step = await model.forward({ input_ids: [[PROMPT[t]!]], past_key_values: cache });
        rest.push(...(await step.logits!.toFloat32()));
        disposeOutput(step, { keepCache: true });
      }
      expect(cache.get_seq_length()).toBe(PROMPT.length);
      expectClose(rest, fullLogits.subarray(3 * vocab), 1e-5, `${cache.constructor.name} logits`);
      cache.dispose();
    }
    disposeOutput(full);
  });

  it('a StaticCache refuses more tokens than max_cache_len, naming it', async () => {
    const cache = new StaticCache({ max_cache_len: 4 });
    await expect(model.forward({ input_ids: [PROMPT], past_key_values: cache })).rejects.toThrow(/max_cache_len 4/);
  });
});

describe('batched generation', () => {
  it('a left-padded batch generates, row by row, what each prompt generates alone', async () => {
    const prompts = [PROMPT, [1, 77, 300, 12], [1, 5]];
    const alone: number[][] = [];
    for (const p of prompts) alone.push((await model.generate([p], { max_new_tokens: 8, eos_token_id: null }))[0]!);
    const batch = await model.generate(prompts, { max_new_tokens: 8, eos_token_id: null, pad_token_id: 0 });
    batch.forEach((row, i) => {
      const pad = PROMPT.length - prompts[i]!.length;
      expect(row.slice(0, pad)).toEqual(Array(pad).fill(0));
      expect(row.slice(pad)).toEqual(alone[i]);
    });
  });

  it('stops a row at eos and pads it while the other row continues', async () => {
    const [free] = await model.generate([PROMPT], { max_new_tokens: 6, eos_token_id: null });
    const generated = free!.slice(PROMPT.length);
    const eos = generated[2]!;
    const stop = generated.indexOf(eos); // the first time eos comes out
    const [alone] = await model.generate([PROMPT], { max_new_tokens: 6, eos_token_id: [eos] });
    expect(alone).toEqual(free!.slice(0, PROMPT.length + stop + 1));
    const other = [1, 77, 300, 12, 9, 41, 7, 3];
    const [freeOther] = await model.generate([other], { max_new_tokens: 6, eos_token_id: null });
    expect(freeOther!.slice(other.length)).not.toContain(eos); // so only the first row stops
    const batch = await model.generate([PROMPT, other], { max_new_tokens: 6, eos_token_id: [eos], pad_token_id: 0 });
    expect(batch[0]).toEqual([...alone!, ...Array(6 - stop - 1).fill(0)]);
    expect(batch[1]).toEqual(freeOther);
  });

  it('max_length counts the prompt; min_new_tokens holds eos back', async () => {
    const [out] = await model.generate([PROMPT], { max_length: PROMPT.length + 3, eos_token_id: null });
    expect(out).toHaveLength(PROMPT.length + 3);
    const [free] = await model.generate([PROMPT], { max_new_tokens: 4, eos_token_id: null });
    const eos = free![PROMPT.length]!;
    const [held] = await model.generate([PROMPT], { max_new_tokens: 4, min_new_tokens: 4, eos_token_id: eos });
    expect(held).toHaveLength(PROMPT.length + 4);
    expect(held![PROMPT.length]).not.toBe(eos);
  });
});

describe('sampling', () => {
  it('is reproducible with a seed and differs across seeds', async () => {
    const options = { max_new_tokens: 12, do_sample: true, temperature: 1.5, top_k: 0, eos_token_id: null };
    const a = await model.generate([PROMPT], { ...options, seed: 7 });
    const b = await model.generate([PROMPT], { ...options, seed: 7 });
    const c = await model.generate([PROMPT], { ...options, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('top_k 1 equals greedy', async () => {
    const greedy = await model.generate([PROMPT], { max_new_tokens: 10, eos_token_id: null });
    const sampled = await model.generate([PROMPT], { max_new_tokens: 10, do_sample: true, top_k: 1, seed: 3, eos_token_id: null });
    expect(sampled).toEqual(greedy);
  });

  it('streams each token, and an aborted signal stops generation', async () => {
    const seen: number[] = [];
    const [out] = await model.generate([PROMPT], { max_new_tokens: 5, eos_token_id: null, streamer: ({ token }) => seen.push(token) });
    expect(seen).toEqual(out!.slice(PROMPT.length));
    const controller = new AbortController();
    controller.abort();
    await expect(model.generate([PROMPT], { max_new_tokens: 5, signal: controller.signal })).rejects.toThrow(/aborted/);
  });
});
