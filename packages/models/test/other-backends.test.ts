// The goldens on every other backend that can start here (webgpu, cuda); skipped, with the reason, where one cannot.
import { availableBackends } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { expectClose, maskedRows, readExpectedJson, readExpectedTensors } from '../src/testing.js';

const backends = (await availableBackends({ auto: false })).filter((b) => b.name !== 'cpu');

for (const backend of backends) {
  const why = backend.available ? '' : ` (skipped: ${backend.reason})`;
  describe.skipIf(!backend.available)(`${backend.name}${why}`, () => {
    for (const name of ['tiny-llama2-gqa-f16-sharded', 'tiny-llama3-bf16-tied']) {
      it(`${name}: hidden states, padded batch and greedy ids match the goldens`, async () => {
        const dir = fixture('models', name);
        const model = await LlamaForCausalLM.from_pretrained(dir, { device: backend.name });
        expect(model.device).toBe(backend.name);
        const expected = readExpectedJson(dir);
        const tensors = await readExpectedTensors(dir);
        const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
        expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!.data, 1e-4, 'last_hidden_state');
        disposeOutput(out);
        const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
        const padded = await model.forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
        const width = model.config.hidden_size;
        expectClose(
          maskedRows(await padded.last_hidden_state.toFloat32(), padded_attention_mask, width),
          maskedRows(tensors.get('padded_last_hidden_state')!.data, padded_attention_mask, width),
          1e-4,
          'padded_last_hidden_state',
        );
        disposeOutput(padded);
        const greedy = expected.greedy!;
        const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, eos_token_id: null });
        expect(sequence).toEqual(greedy.output_ids);
        model.dispose();
      });
    }
  });
}
