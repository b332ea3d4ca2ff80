// The causal-LM golden suite, shared by every backend's tests: each fixture folder end to end against
// its goldens: hidden states, logits, loss, the left-padded batch where the mask is 1, greedy ids exactly.
import type { BackendName } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaForCausalLM } from '../llama/heads.js';
import { disposeOutput } from '../modeling-outputs.js';
import { expectClose } from './expect-close.js';
import { type ExpectedJson, type GoldenTensor, maskedRows, positionRows, readExpectedJson, readExpectedTensors } from './goldens.js';

/** Every causal-LM fixture folder (path parts under the fixtures folder) that has goldens. */
export const CAUSAL_LM_FIXTURES: readonly (readonly string[])[] = [
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

/**
 * Declares one vitest `describe` per golden folder (by default every fixture of CAUSAL_LM_FIXTURES; or
 * `folders`, name -> path, each holding a checkpoint with expected.json and expected.safetensors),
 * loading the model on `device` (which must be registered by then) and comparing float32 outputs to
 * `tolerance` relative error.
 */
export function describeCausalLmGoldens(device: BackendName, tolerance: number, folders?: ReadonlyMap<string, string>): void {
  const cases = folders ?? new Map(CAUSAL_LM_FIXTURES.map((parts) => [parts.join('/'), fixture(...parts)]));
  for (const [name, dir] of cases) {
    describe(`${name} on ${device}`, () => {
      let model: LlamaForCausalLM;
      let expected: ExpectedJson;
      let tensors: Map<string, GoldenTensor>;
      beforeAll(async () => {
        model = await LlamaForCausalLM.from_pretrained(dir, { device });
        expected = readExpectedJson(dir);
        tensors = await readExpectedTensors(dir);
      });
      afterAll(() => model?.dispose());

      it('matches hidden states, logits and loss on the unpadded batch', async () => {
        expect(model.device).toBe(device);
        const ids = expected.inputs.input_ids;
        const out = await model.forward({ input_ids: ids, labels: ids, output_hidden_states: true, use_cache: false });
        const [batch, seq] = [ids.length, ids[0]!.length];
        expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!.data, tolerance, 'last_hidden_state');
        expect(out.hidden_states).toHaveLength(model.config.num_hidden_layers + 1);
        expectClose(await out.hidden_states![1]!.toFloat32(), tensors.get('hidden_states_first_layer_out')!.data, tolerance, 'hidden_states[1]');
        const logits = await out.logits!.toFloat32();
        if (tensors.has('logits')) {
          expectClose(logits, tensors.get('logits')!.data, tolerance, 'logits');
        } else {
          expectClose(positionRows(logits, batch, seq, model.config.vocab_size, seq - 1), tensors.get('logits_last')!.data, tolerance, 'logits_last');
        }
        const loss = (await out.loss!.toFloat32())[0]!;
        expect(Math.abs(loss - expected.loss_labels_eq_input_ids!) / expected.loss_labels_eq_input_ids!).toBeLessThan(tolerance);
        disposeOutput(out);
      });

      it('matches the left-padded batch where the mask is 1', async () => {
        const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
        const out = await model.forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
        const width = model.config.hidden_size;
        const seq = padded_input_ids[0]!.length;
        expectClose(
          maskedRows(await out.last_hidden_state.toFloat32(), padded_attention_mask, width),
          maskedRows(tensors.get('padded_last_hidden_state')!.data, padded_attention_mask, width),
          tolerance,
          'padded_last_hidden_state',
        );
        const logits = await out.logits!.toFloat32();
        expectClose(positionRows(logits, padded_input_ids.length, seq, model.config.vocab_size, seq - 1), tensors.get('padded_logits_last')!.data, tolerance, 'padded_logits_last');
        disposeOutput(out);
      });

      it('greedy generation gives output_ids exactly', async () => {
        const greedy = expected.greedy!;
        const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, do_sample: false, eos_token_id: null });
        expect(sequence).toEqual(greedy.output_ids);
      });
    });
  }
}
