// End-to-end goldens and speed on a GPU machine without the workspace (bundled by bundle-device.sh):
//   CRIA_FIXTURES=<fixtures> CRIA_CUDA_ADDON=<cria_cuda.node> node device-e2e.mjs [cuda|webgpu|cpu]
// Prints one line per fixture (relative errors, greedy match) and the cria bench JSON for a few shapes.
import { type BackendName, registerBackend } from '@cria/core';
import { fixture, relativeError } from '@cria/core/testing';
import * as cpu from '@cria/kernels-cpu';
import * as cuda from '@cria/kernels-cuda';
import { LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { positionRows, readExpectedJson, readExpectedTensors } from '../src/testing/goldens.js';

registerBackend('cpu', cpu);
registerBackend('cuda', cuda);
const device = (process.argv[2] ?? 'cuda') as BackendName;

const FOLDERS = [
  ['models', 'tiny-llama1-mha'], ['models', 'tiny-llama2-gqa-f16-sharded'], ['models', 'tiny-llama3-bf16-tied'],
  ['models', 'tiny-llama-bias-headdim'], ['models', 'tiny-llama-rope-linear'], ['models', 'tiny-llama-rope-dynamic'],
  ['models', 'tiny-llama-rope-yarn'], ['meta', 'llama2c-260k', 'expected-hf'],
];

let failures = 0;
for (const parts of FOLDERS) {
  const dir = fixture(...parts);
  const expected = readExpectedJson(dir);
  const t = new Map([...(await readExpectedTensors(dir))].map(([key, golden]) => [key, golden.data]));
  const model = await LlamaForCausalLM.from_pretrained(dir, { device });
  const out = await model.forward({ input_ids: expected.inputs.input_ids, labels: expected.inputs.input_ids, output_hidden_states: true, use_cache: false });
  const hiddenErr = relativeError(await out.last_hidden_state.toFloat32(), t.get('last_hidden_state')!);
  const firstErr = relativeError(await out.hidden_states![1]!.toFloat32(), t.get('hidden_states_first_layer_out')!);
  const logits = await out.logits!.toFloat32();
  const [b, s] = [expected.inputs.input_ids.length, expected.inputs.input_ids[0]!.length];
  const logitsErr = t.has('logits')
    ? relativeError(logits, t.get('logits')!)
    : relativeError(positionRows(logits, b, s, model.config.vocab_size, s - 1), t.get('logits_last')!);
  const loss = (await out.loss!.toFloat32())[0]!;
  const lossErr = Math.abs(loss - expected.loss_labels_eq_input_ids!) / expected.loss_labels_eq_input_ids!;
  disposeOutput(out);
  const g = expected.greedy!;
  const [seq] = await model.generate([g.prompt_ids], { max_new_tokens: g.max_new_tokens, eos_token_id: null });
  const greedyOk = JSON.stringify(seq) === JSON.stringify(g.output_ids);
  const ok = hiddenErr <= 1e-4 && firstErr <= 1e-4 && logitsErr <= 1e-4 && lossErr <= 1e-4 && greedyOk;
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${parts.join('/')} on ${model.device}: last_hidden ${hiddenErr.toExponential(2)}, hidden[1] ${firstErr.toExponential(2)}, logits ${logitsErr.toExponential(2)}, loss ${lossErr.toExponential(2)}, greedy ${greedyOk ? 'equal' : 'DIFFERENT'}`);
  model.dispose();
}
console.log(`${FOLDERS.length - failures}/${FOLDERS.length} fixtures pass on ${device}`);
process.exitCode = failures ? 1 : 0;
