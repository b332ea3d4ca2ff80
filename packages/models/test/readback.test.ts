// generate() reads back only what picking the next token needs (B argmax ids for greedy, top k+1
// values and ids per row for top-k sampling) and gives what reading the whole rows gives: the same
// greedy ids (and the goldens), the same seeded samples. A spy CPU backend counts the bytes read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenerationConfig } from '@cria/config';
import { registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProcessorList } from '../src/generation/processor-list.js';
import { Mulberry32 } from '../src/generation/prng.js';
import { planReadback } from '../src/generation/readback-plan.js';
import { TokenPicker } from '../src/generation/token-picker.js';
import { type GenerateOptions, LlamaForCausalLM } from '../src/index.js';
import { SpyBackend } from './spy-backend.js';

const spy = new SpyBackend();
registerBackend('cpu', { probe: async () => ({ available: true }), createBackend: async () => spy });

const PROMPTS = [[1, 103, 428, 67, 304, 502, 511, 468], [1, 77, 300, 12, 9]]; // left-padded to 8
const BATCH = PROMPTS.length;
const NEW_TOKENS = 6;
const BASE: GenerateOptions = { max_new_tokens: NEW_TOKENS, eos_token_id: null, pad_token_id: 0 };
const SAMPLING: GenerateOptions[] = [
  { do_sample: true, top_k: 1, seed: 1 },
  { do_sample: true, top_k: 5, temperature: 0.7, seed: 2 },
  { do_sample: true, top_k: 40, temperature: 1.5, top_p: 0.8, seed: 3 },
  { do_sample: true, top_k: 12, top_p: 0.95, min_p: 0.02, seed: 4 },
];

describe('what a decode step reads back (spy backend)', () => {
  let model: LlamaForCausalLM;
  let vocab: number;
  beforeAll(async () => {
    model = await LlamaForCausalLM.from_pretrained(fixture('models', 'tiny-llama2-gqa-f16-sharded'), { device: 'cpu' });
    expect(model.backend).toBe(spy);
    vocab = model.config.vocab_size;
    spy.watchedOutFeatures = vocab;
  });
  afterAll(() => model?.dispose());

  async function run(options: GenerateOptions): Promise<{ out: number[][]; reads: number[]; lmHeadRows: number[] }> {
    spy.reset();
    const out = await model.generate(PROMPTS, { ...BASE, ...options });
    return { out, reads: [...spy.reads], lmHeadRows: [...spy.watchedLinearRows] };
  }

  it('greedy: B int32 ids per step; the LM head sees only the last position of each row', async () => {
    const fast = await run({});
    expect(fast.reads).toEqual(Array(NEW_TOKENS).fill(BATCH * 4));
    expect(fast.lmHeadRows).toEqual(Array(NEW_TOKENS).fill(BATCH)); // prefill of 8 positions included
    const full = await run({ read_full_logits: true });
    expect(full.reads).toEqual(Array(NEW_TOKENS).fill(BATCH * vocab * 4));
    expect(fast.out).toEqual(full.out);
  });

  it('top-k sampling: k+1 values and k+1 ids per row per step, the same seeded samples', async () => {
    for (const options of SAMPLING) {
      const k = options.top_k!;
      const fast = await run(options);
      expect(fast.reads, JSON.stringify(options)).toEqual(Array(2 * NEW_TOKENS).fill(BATCH * (k + 1) * 4));
      const full = await run({ ...options, read_full_logits: true });
      expect(full.reads).toEqual(Array(NEW_TOKENS).fill(BATCH * vocab * 4));
      expect(fast.out, JSON.stringify(options)).toEqual(full.out);
    }
  });

  it('processors that need the whole row, and sampling without top_k, read the whole rows', async () => {
    for (const options of [
      { repetition_penalty: 1.3 },
      { no_repeat_ngram_size: 2 },
      { min_new_tokens: 3, eos_token_id: 2 },
      { do_sample: true, top_k: 0, seed: 1 },
      { do_sample: true, top_k: 8, repetition_penalty: 1.2, seed: 1 },
    ] satisfies GenerateOptions[]) {
      const { reads } = await run(options);
      expect(reads, JSON.stringify(options)).toEqual(Array(NEW_TOKENS).fill(BATCH * vocab * 4));
    }
  });

  it('a tie at the k-th candidate reads that step\'s whole rows and draws what the whole-row path draws', async () => {
    // Row 0 ties at its 3rd and 4th best (k = 3); row 1 does not.
    const logits = new Float32Array(2 * vocab).fill(-5);
    logits.set([2, 2, 1.5, 1.5], 10);
    logits.set([3, 2.5, 2, 1], vocab + 40);
    const tensor = spy.upload(logits, [2, 1, vocab], 'float32');
    const list = buildProcessorList(new GenerationConfig({ do_sample: true, top_k: 3, temperature: 0.9, top_p: 1 }));
    const rows = [{ ids: [1], newTokens: 0 }, { ids: [1], newTokens: 0 }];
    const tokensOf = async (readFull: boolean) => {
      const plan = planReadback(spy, true, list, vocab, readFull);
      const rng = new Mulberry32(9);
      spy.reset();
      const picked: number[][] = [];
      for (let draw = 0; draw < 40; draw++) picked.push(await new TokenPicker(plan, spy, list, true, () => rng.next()).pick(tensor, rows));
      return { picked, reads: [...spy.reads], plan: plan.kind };
    };
    const fast = await tokensOf(false);
    const full = await tokensOf(true);
    expect([fast.plan, full.plan]).toEqual(['topk', 'full']);
    expect(fast.picked).toEqual(full.picked);
    expect(new Set(fast.picked.map((p) => p[0]))).toEqual(new Set([10, 11, 12, 13])); // the tie keeps 4 tokens
    expect(fast.reads.slice(0, 3)).toEqual([2 * 4 * 4, 2 * 4 * 4, 2 * vocab * 4]); // candidates, then the whole rows
    tensor.dispose();
  });
});

describe('device picking gives the whole-row results on every model fixture', () => {
  // llama2c-260k (trained weights, no expected.json) has no greedy golden; the others do.
  for (const name of ['tiny-llama1-mha', 'tiny-llama2-gqa-f16-sharded', 'tiny-llama3-bf16-tied', 'tiny-llama-bias-headdim', 'llama2c-260k']) {
    it(name, async () => {
      const dir = fixture('models', name);
      const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
      try {
        if (name !== 'llama2c-260k') await expectGreedyGolden(model, dir);
        for (const options of [{}, ...SAMPLING]) {
          const fast = await model.generate(PROMPTS, { ...BASE, ...options });
          const full = await model.generate(PROMPTS, { ...BASE, ...options, read_full_logits: true });
          expect(fast, JSON.stringify(options)).toEqual(full);
        }
      } finally {
        model.dispose();
      }
    });
  }
});

async function expectGreedyGolden(model: LlamaForCausalLM, dir: string): Promise<void> {
  const { greedy } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { greedy: { prompt_ids: number[]; max_new_tokens: number; output_ids: number[] } };
  const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, eos_token_id: null });
  expect(sequence).toEqual(greedy.output_ids);
}
