// End to end: every causal-LM fixture loaded with device 'cuda', where 'cuda' is the CUDA backend's TypeScript layer
// over an emulated device, against the shared goldens (hidden states, logits, loss, the left-padded batch, and greedy
// ids exactly), and greedy decoding through a captured CUDA graph against the same goldens.
import { registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM } from '@cria/models';
import { describeCausalLmGoldens, readExpectedJson } from '@cria/models/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CudaBackend } from '@cria/kernels-cuda';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';

/** float32 paths against the goldens (as the cpu and webgpu suites). */
const TOLERANCE = 1e-4;

/** The backend the registry started for 'cuda' (one per process). */
let started: CudaBackend | undefined;

beforeAll(() => {
  registerBackend('cuda', {
    probe: async () => ({ available: true }),
    createBackend: async () => (started = createEmulatedCudaBackend()),
  });
});

describe('cuda backend (TypeScript layer) over an emulated device: model goldens', () => {
  describeCausalLmGoldens('cuda', TOLERANCE);

  it('greedy generation replays a captured decode step and gives the golden ids (with and without capture)', async () => {
    const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');
    const { greedy } = readExpectedJson(dir);
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cuda' });
    try {
      const context = started!.context;
      const replay = vi.spyOn(context, 'replay');
      const capture = vi.spyOn(context, 'beginCapture');
      const options = { max_new_tokens: greedy!.max_new_tokens, do_sample: false, eos_token_id: null };
      expect(await model.generate([greedy!.prompt_ids], options)).toEqual([greedy!.output_ids]);
      expect(capture).toHaveBeenCalled();
      expect(replay.mock.calls.length).toBeGreaterThanOrEqual(greedy!.max_new_tokens - 2);
      replay.mockClear();
      expect(await model.generate([greedy!.prompt_ids], { ...options, capture_decode_step: false })).toEqual([greedy!.output_ids]);
      expect(replay).not.toHaveBeenCalled();
    } finally {
      model.dispose();
    }
  });

  it('a left-padded batch decodes through the captured step (mask [B, maxLength]) to the CPU backend ids; seeded top-k sampling too', async () => {
    const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');
    const prompt = readExpectedJson(dir).greedy!.prompt_ids;
    const prompts = [prompt, prompt.slice(3), prompt.slice(1, 4)];
    const [cuda, cpu] = await Promise.all([LlamaForCausalLM.from_pretrained(dir, { device: 'cuda' }), LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })]);
    try {
      const replay = vi.spyOn(started!.context, 'replay');
      const greedy = { max_new_tokens: 10, do_sample: false, eos_token_id: null, pad_token_id: 0 };
      const want = await cpu.generate(prompts, greedy);
      expect(await cuda.generate(prompts, greedy)).toEqual(want);
      expect(replay.mock.calls.length).toBeGreaterThanOrEqual(8);
      const sampling = { max_new_tokens: 10, do_sample: true, top_k: 5, temperature: 1.5, seed: 7, eos_token_id: null, pad_token_id: 0 };
      expect(await cuda.generate(prompts, sampling)).toEqual(await cpu.generate(prompts, sampling));
    } finally {
      cuda.dispose();
      cpu.dispose();
    }
  });
});
