// The classification and QA heads against their goldens on the CPU backend.
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import {
  AutoModel,
  AutoModelForQuestionAnswering,
  AutoModelForSequenceClassification,
  AutoModelForTokenClassification,
  LlamaForQuestionAnswering,
  LlamaForSequenceClassification,
  LlamaForTokenClassification,
  LlamaModel,
  disposeOutput,
} from '../src/index.js';
import { expectClose, maskedRows, readExpectedJson, readExpectedTensors } from '../src/testing.js';

const TOL = 1e-4;

async function checkBase(dir: string, forward: (input: object) => Promise<{ last_hidden_state: { toFloat32(): Promise<Float32Array> }; hidden_states?: { toFloat32(): Promise<Float32Array> }[] }>, hidden: number) {
  const expected = readExpectedJson(dir);
  const tensors = await readExpectedTensors(dir);
  const out = await forward({ input_ids: expected.inputs.input_ids, output_hidden_states: true, use_cache: false });
  expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!.data, TOL, 'last_hidden_state');
  expectClose(await out.hidden_states![1]!.toFloat32(), tensors.get('hidden_states_first_layer_out')!.data, TOL, 'hidden_states[1]');
  const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
  const padded = await forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
  expectClose(
    maskedRows(await padded.last_hidden_state.toFloat32(), padded_attention_mask, hidden),
    maskedRows(tensors.get('padded_last_hidden_state')!.data, padded_attention_mask, hidden),
    TOL,
    'padded_last_hidden_state',
  );
  return { expected, tensors };
}

describe('LlamaForSequenceClassification (tiny-llama-seqcls)', () => {
  it('scores the last non-pad token of right-padded rows', async () => {
    const dir = fixture('models', 'tiny-llama-seqcls');
    const model = await AutoModelForSequenceClassification.from_pretrained(dir, { device: 'cpu' });
    expect(model).toBeInstanceOf(LlamaForSequenceClassification);
    const { expected, tensors } = await checkBase(dir, (i) => model.forward(i), 64);
    const out = await model.forward({ input_ids: expected.inputs.seqcls_input_ids!, use_cache: false });
    expect(out.logits!.shape).toEqual([2, 3]);
    expectClose(await out.logits!.toFloat32(), tensors.get('seqcls_logits')!.data, TOL, 'seqcls_logits');
    disposeOutput(out);
    model.dispose();
  });
});

describe('LlamaForTokenClassification (tiny-llama-tokcls)', () => {
  it('gives per-token logits', async () => {
    const dir = fixture('models', 'tiny-llama-tokcls');
    const model = await AutoModelForTokenClassification.from_pretrained(dir, { device: 'cpu' });
    expect(model).toBeInstanceOf(LlamaForTokenClassification);
    const { expected, tensors } = await checkBase(dir, (i) => model.forward(i), 64);
    const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
    expect(out.logits!.shape).toEqual([2, 24, 5]);
    expectClose(await out.logits!.toFloat32(), tensors.get('tokcls_logits')!.data, TOL, 'tokcls_logits');
    model.dispose();
  });
});

describe('LlamaForQuestionAnswering (tiny-llama-qa, weights under transformer.)', () => {
  it('gives start and end logits', async () => {
    const dir = fixture('models', 'tiny-llama-qa');
    const model = await AutoModelForQuestionAnswering.from_pretrained(dir, { device: 'cpu' });
    expect(model).toBeInstanceOf(LlamaForQuestionAnswering);
    const { expected, tensors } = await checkBase(dir, (i) => model.forward(i), 64);
    const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
    expectClose(await out.start_logits!.toFloat32(), tensors.get('qa_start_logits')!.data, TOL, 'qa_start_logits');
    expectClose(await out.end_logits!.toFloat32(), tensors.get('qa_end_logits')!.data, TOL, 'qa_end_logits');
    model.dispose();
  });

  it('LlamaModel loads the base weights from under transformer. and from under model.', async () => {
    for (const name of ['tiny-llama-qa', 'tiny-llama-tokcls']) {
      const dir = fixture('models', name);
      const base = await AutoModel.from_pretrained(dir, { device: 'cpu' });
      expect(base).toBeInstanceOf(LlamaModel);
      await checkBase(dir, (i) => base.forward(i), 64);
      base.dispose();
    }
  });
});
