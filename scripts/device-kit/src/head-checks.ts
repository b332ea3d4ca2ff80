// The checks of @cria/models' heads suite (test/heads-goldens.test.ts) as plain functions: the base model's
// hidden states (unpadded and left-padded), then the head's own logits against expected.safetensors.
import {
  AutoModelForQuestionAnswering,
  AutoModelForSequenceClassification,
  AutoModelForTokenClassification,
  type ModelOutput,
  disposeOutput,
} from '@cria/models';
import { readExpectedJson, readExpectedTensors } from '@cria/models/testing';
import type { BackendName } from '@cria/core';
import { type CheckResult, closeness, paddedHiddenCheck } from './golden-checks.js';

export type HeadKind = 'seqcls' | 'tokcls' | 'qa';

interface HeadModel {
  readonly device: string;
  readonly config: { hidden_size: number; num_hidden_layers: number };
  forward(input: object): Promise<ModelOutput>;
  dispose(): void;
}

const LOADERS: Record<HeadKind, { from_pretrained(dir: string, options: { device: BackendName }): Promise<unknown> }> = {
  seqcls: AutoModelForSequenceClassification,
  tokcls: AutoModelForTokenClassification,
  qa: AutoModelForQuestionAnswering,
};

/** Loads the head `kind` from `dir` on `device` and runs the heads suite's checks. */
export async function checkHeadGoldens(kind: HeadKind, dir: string, device: BackendName, tolerance: number): Promise<CheckResult[]> {
  const model = (await LOADERS[kind].from_pretrained(dir, { device })) as HeadModel;
  try {
    if (model.device !== device) throw new Error(`model loaded on ${model.device}, asked for ${device}`);
    const expected = readExpectedJson(dir);
    const tensors = await readExpectedTensors(dir);
    const golden = (name: string) => tensors.get(name)?.data;
    const width = model.config.hidden_size;
    const results: CheckResult[] = [];

    const out = await model.forward({ input_ids: expected.inputs.input_ids, output_hidden_states: true, use_cache: false });
    try {
      results.push(closeness('last_hidden_state', await out.last_hidden_state.toFloat32(), golden('last_hidden_state'), tolerance));
      const hidden = out.hidden_states ?? [];
      if (hidden.length !== model.config.num_hidden_layers + 1) {
        results.push({ check: 'hidden_states[1]', pass: false, detail: `hidden_states has ${hidden.length} entries, expected ${model.config.num_hidden_layers + 1}` });
      } else {
        results.push(closeness('hidden_states[1]', await hidden[1]!.toFloat32(), golden('hidden_states_first_layer_out'), tolerance));
      }
      if (kind === 'tokcls') results.push(closeness('tokcls_logits', await out.logits!.toFloat32(), golden('tokcls_logits'), tolerance));
      if (kind === 'qa') {
        results.push(closeness('qa_start_logits', await out.start_logits!.toFloat32(), golden('qa_start_logits'), tolerance));
        results.push(closeness('qa_end_logits', await out.end_logits!.toFloat32(), golden('qa_end_logits'), tolerance));
      }
    } finally {
      disposeOutput(out);
    }

    const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
    const padded = await model.forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
    try {
      results.push(await paddedHiddenCheck(padded, padded_attention_mask, golden('padded_last_hidden_state'), width, tolerance));
    } finally {
      disposeOutput(padded);
    }

    if (kind === 'seqcls') {
      const ids = expected.inputs.seqcls_input_ids;
      if (!ids) results.push({ check: 'seqcls_logits', pass: false, detail: 'expected.json has no inputs.seqcls_input_ids' });
      else {
        const scored = await model.forward({ input_ids: ids, use_cache: false });
        try {
          results.push(closeness('seqcls_logits (right-padded rows)', await scored.logits!.toFloat32(), golden('seqcls_logits'), tolerance));
        } finally {
          disposeOutput(scored);
        }
      }
    }
    return results;
  } finally {
    model.dispose();
  }
}
