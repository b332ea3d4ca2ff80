// Every causal-LM fixture end to end with device 'webgpu' (Dawn in Node) against its goldens:
// hidden states, logits, the left-padded batch, loss, and greedy ids exactly.
import { registerBackend } from '@cria/core';
import { fixture, relativeError } from '@cria/core/testing';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExpectedJson, maskedRows, positionRows, readExpectedJson, readExpectedTensors } from './golden.js';

const TOLERANCE = 1e-4;

const FOLDERS = [
  ['models', 'tiny-llama1-mha'],
  ['models', 'tiny-llama2-gqa-f16-sharded'],
  ['models', 'tiny-llama3-bf16-tied'],
  ['models', 'tiny-llama-bias-headdim'],
  ['models', 'tiny-llama-rope-linear'],
  ['models', 'tiny-llama-rope-dynamic'],
  ['models', 'tiny-llama-rope-yarn'],
  ['meta', 'meta-llama1-tiny', 'expected-hf'],
  ['meta', 'meta-llama2-tiny-mp2', 'expected-hf'],
  ['meta', 'meta-llama3.1-tiny', 'expected-hf'],
  ['meta', 'llama2c-260k', 'expected-hf'],
];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const error = relativeError(actual, expected);
  expect(error, `${what}: relative error ${error}`).toBeLessThanOrEqual(TOLERANCE);
}

beforeAll(() => {
  registerBackend('webgpu', () => import('@cria/kernels-webgpu'));
});

for (const parts of FOLDERS) {
  describe(`${parts.join('/')} on webgpu`, () => {
    const dir = fixture(...parts);
    let model: LlamaForCausalLM;
    let expected: ExpectedJson;
    let tensors: Map<string, Float32Array>;
    beforeAll(async () => {
      model = await LlamaForCausalLM.from_pretrained(dir, { device: 'webgpu' });
      expected = readExpectedJson(dir);
      tensors = await readExpectedTensors(dir);
    });
    afterAll(() => model?.dispose());

    it('matches hidden states, logits and loss', async () => {
      expect(model.device).toBe('webgpu');
      const ids = expected.inputs.input_ids;
      const out = await model.forward({ input_ids: ids, labels: ids, output_hidden_states: true, use_cache: false });
      const [batch, seq] = [ids.length, ids[0]!.length];
      expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!, 'last_hidden_state');
      expectClose(await out.hidden_states![1]!.toFloat32(), tensors.get('hidden_states_first_layer_out')!, 'hidden_states[1]');
      const logits = await out.logits!.toFloat32();
      if (tensors.has('logits')) expectClose(logits, tensors.get('logits')!, 'logits');
      else expectClose(positionRows(logits, batch, seq, model.config.vocab_size, seq - 1), tensors.get('logits_last')!, 'logits_last');
      const loss = (await out.loss!.toFloat32())[0]!;
      expect(Math.abs(loss - expected.loss_labels_eq_input_ids!) / expected.loss_labels_eq_input_ids!).toBeLessThan(TOLERANCE);
      disposeOutput(out);
    });

    it('matches the left-padded batch where the mask is 1', async () => {
      const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
      const out = await model.forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
      const width = model.config.hidden_size;
      const seq = padded_input_ids[0]!.length;
      expectClose(
        maskedRows(await out.last_hidden_state.toFloat32(), padded_attention_mask, width),
        maskedRows(tensors.get('padded_last_hidden_state')!, padded_attention_mask, width),
        'padded_last_hidden_state',
      );
      const logits = await out.logits!.toFloat32();
      expectClose(positionRows(logits, padded_input_ids.length, seq, model.config.vocab_size, seq - 1), tensors.get('padded_logits_last')!, 'padded_logits_last');
      disposeOutput(out);
    });

    it('greedy generation gives output_ids exactly', async () => {
      const greedy = expected.greedy!;
      const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, do_sample: false, eos_token_id: null });
      expect(sequence).toEqual(greedy.output_ids);
    });
  });
}
