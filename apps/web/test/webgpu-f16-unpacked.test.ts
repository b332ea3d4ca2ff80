// The float16 checkpoint end to end on webgpu with float16 weights unpacked from u32 pairs (the path of
// adapters without shader-f16, such as SwiftShader in the browser test): logits and greedy ids.
import { registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { createBackend, probe } from '@cria/kernels-webgpu';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { expect, it } from 'vitest';
import { expectClose, positionRows, readExpectedJson, readExpectedTensors } from '@cria/models/testing';

it('tiny-llama2-gqa-f16-sharded matches its goldens without shader-f16', async () => {
  registerBackend('webgpu', { probe, createBackend: () => createBackend({ useShaderF16: false }) });
  const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');
  const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'webgpu' });
  expect((model.backend as unknown as { shaderF16: boolean }).shaderF16).toBe(false);
  const expected = readExpectedJson(dir);
  const tensors = await readExpectedTensors(dir);
  const ids = expected.inputs.input_ids;
  const out = await model.forward({ input_ids: ids, use_cache: false });
  const logits = await out.logits!.toFloat32();
  const want = (tensors.get('logits') ?? tensors.get('logits_last')!).data;
  const got = tensors.has('logits') ? logits : positionRows(logits, ids.length, ids[0]!.length, model.config.vocab_size, ids[0]!.length - 1);
  expectClose(got, want, 1e-4, 'logits');
  disposeOutput(out);
  const greedy = expected.greedy!;
  const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, do_sample: false, eos_token_id: null });
  expect(sequence).toEqual(greedy.output_ids);
  model.dispose();
});
