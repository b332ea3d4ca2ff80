// On every other backend that can start here (webgpu, cuda): device argmax / topk picking gives what
// reading the whole rows gives (greedy ids, seeded samples). Skipped, with the reason, where one cannot start.
import { availableBackends } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { type GenerateOptions, LlamaForCausalLM } from '../src/index.js';

const backends = (await availableBackends({ auto: false })).filter((b) => b.name !== 'cpu');
const PROMPTS = [[1, 103, 428, 67, 304, 502, 511, 468], [1, 77, 300, 12, 9]];
const BASE: GenerateOptions = { max_new_tokens: 6, eos_token_id: null, pad_token_id: 0 };
const SETTINGS: GenerateOptions[] = [
  {},
  { do_sample: true, top_k: 5, temperature: 0.7, seed: 2 },
  { do_sample: true, top_k: 40, temperature: 1.5, top_p: 0.8, seed: 3 },
];

for (const backend of backends) {
  const why = backend.available ? '' : ` (skipped: ${backend.reason})`;
  describe.skipIf(!backend.available)(`${backend.name}${why}`, () => {
    it('tiny-llama2-gqa-f16-sharded: device argmax / topk picking == whole-row picking', async () => {
      const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'tiny-llama2-gqa-f16-sharded'), { device: backend.name });
      try {
        expect(model.device).toBe(backend.name);
        for (const options of SETTINGS) {
          const fast = await model.generate(PROMPTS, { ...BASE, ...options });
          const full = await model.generate(PROMPTS, { ...BASE, ...options, read_full_logits: true });
          expect(fast, JSON.stringify(options)).toEqual(full);
        }
      } finally {
        model.dispose();
      }
    });
  });
}
