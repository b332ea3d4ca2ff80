// The checks of the repository's causal-LM golden suite (@cria/models/testing describeCausalLmGoldens and
// test/llama2c-runc.test.ts), as plain functions that return results instead of asserting, so one process
// on a GPU machine can run them all and report every failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { relativeError } from '@cria/core/testing';
import { DecodeGraph, DynamicCache, type LlamaForCausalLM, type ModelOutput, canCaptureDecodeStep, disposeOutput } from '@cria/models';
import { argmaxOf, maskedRows, positionRows, readExpectedJson, readExpectedTensors } from '@cria/models/testing';

export interface CheckResult {
  check: string;
  pass: boolean;
  /** ‖a−b‖/‖b‖ where the check compares numbers. */
  error?: number;
  bound?: number;
  detail?: string;
}

export function closeness(check: string, actual: ArrayLike<number>, expected: ArrayLike<number> | undefined, bound: number): CheckResult {
  if (expected === undefined) return { check, pass: false, detail: 'golden tensor missing from expected.safetensors' };
  if (actual.length !== expected.length) return { check, pass: false, detail: `length ${actual.length}, golden has ${expected.length}` };
  const error = relativeError(actual, expected);
  return { check, pass: error <= bound, error, bound };
}

/** The left-padded batch's last_hidden_state on its unpadded (mask 1) rows against the golden's same rows. */
export async function paddedHiddenCheck(padded: ModelOutput, mask: number[][], golden: Float32Array | undefined, width: number, tolerance: number): Promise<CheckResult> {
  const actual = maskedRows(await padded.last_hidden_state.toFloat32(), mask, width);
  return closeness('padded_last_hidden_state (mask 1)', actual, golden && maskedRows(golden, mask, width), tolerance);
}

/** Hidden states, logits, loss, the left-padded batch and greedy ids against expected.json/.safetensors. */
export async function checkGoldens(model: LlamaForCausalLM, dir: string, tolerance: number): Promise<CheckResult[]> {
  const expected = readExpectedJson(dir);
  const tensors = await readExpectedTensors(dir);
  const golden = (name: string) => tensors.get(name)?.data;
  const results: CheckResult[] = [];
  const { vocab_size: vocab, hidden_size: width, num_hidden_layers: layers } = model.config;

  const ids = expected.inputs.input_ids;
  const [batch, seq] = [ids.length, ids[0]!.length];
  const out = await model.forward({ input_ids: ids, labels: ids, output_hidden_states: true, use_cache: false });
  try {
    results.push(closeness('last_hidden_state', await out.last_hidden_state.toFloat32(), golden('last_hidden_state'), tolerance));
    const hidden = out.hidden_states ?? [];
    if (hidden.length !== layers + 1) {
      results.push({ check: 'hidden_states[1]', pass: false, detail: `hidden_states has ${hidden.length} entries, expected ${layers + 1}` });
    } else {
      results.push(closeness('hidden_states[1]', await hidden[1]!.toFloat32(), golden('hidden_states_first_layer_out'), tolerance));
    }
    const logits = await out.logits!.toFloat32();
    if (tensors.has('logits')) results.push(closeness('logits', logits, golden('logits'), tolerance));
    else results.push(closeness('logits_last', positionRows(logits, batch, seq, vocab, seq - 1), golden('logits_last'), tolerance));
    const wantLoss = expected.loss_labels_eq_input_ids;
    const loss = out.loss ? (await out.loss.toFloat32())[0]! : Number.NaN;
    if (wantLoss === undefined) results.push({ check: 'loss', pass: false, detail: 'expected.json has no loss_labels_eq_input_ids' });
    else {
      const error = Math.abs(loss - wantLoss) / Math.abs(wantLoss);
      results.push({ check: 'loss', pass: error <= tolerance, error, bound: tolerance, detail: `${loss} vs ${wantLoss}` });
    }
  } finally {
    disposeOutput(out);
  }

  const { padded_input_ids, padded_attention_mask, padded_position_ids } = expected.inputs;
  const padded = await model.forward({ input_ids: padded_input_ids, attention_mask: padded_attention_mask, position_ids: padded_position_ids, use_cache: false });
  try {
    results.push(await paddedHiddenCheck(padded, padded_attention_mask, golden('padded_last_hidden_state'), width, tolerance));
    const paddedSeq = padded_input_ids[0]!.length;
    const logits = await padded.logits!.toFloat32();
    results.push(closeness('padded_logits_last', positionRows(logits, padded_input_ids.length, paddedSeq, vocab, paddedSeq - 1), golden('padded_logits_last'), tolerance));
  } finally {
    disposeOutput(padded);
  }

  const greedy = expected.greedy;
  if (!greedy) results.push({ check: 'greedy', pass: false, detail: 'expected.json has no greedy section' });
  else {
    const [sequence] = await model.generate([greedy.prompt_ids], { max_new_tokens: greedy.max_new_tokens, do_sample: false, eos_token_id: null });
    const same = JSON.stringify(sequence) === JSON.stringify(greedy.output_ids);
    results.push({ check: `greedy ${greedy.max_new_tokens} tokens`, pass: same, ...(same ? {} : { detail: `got ${JSON.stringify(sequence)}, want ${JSON.stringify(greedy.output_ids)}` }) });
  }
  return results;
}

/** Positions of llama2c-260k's reference the run.c checks compare. */
const RUNC_POSITIONS = 256;

/** run.c's teacher-forced ids and its logits [RUNC_POSITIONS, vocab] from `dir`/reference. */
function readRuncReference(dir: string, vocab: number): { ids: number[]; expected: Float32Array } {
  const reference = JSON.parse(readFileSync(join(dir, 'reference', 'reference.json'), 'utf8')) as { input_ids_teacher_forced?: number[] };
  const ids = reference.input_ids_teacher_forced?.slice(0, RUNC_POSITIONS);
  if (!ids || ids.length !== RUNC_POSITIONS) throw new Error(`${join(dir, 'reference', 'reference.json')}: input_ids_teacher_forced must hold at least ${RUNC_POSITIONS} ids`);
  const bytes = readFileSync(join(dir, 'reference', 'runc_logits_256x512.f32'));
  const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (expected.length !== RUNC_POSITIONS * vocab) throw new Error(`runc_logits_256x512.f32 holds ${expected.length} floats, expected ${RUNC_POSITIONS} x ${vocab}`);
  return { ids, expected };
}

/** Logits [RUNC_POSITIONS, vocab] against run.c's: closeness, and the argmax at every position (the two checks' names). */
function compareWithRunc(names: [string, string], logits: Float32Array, expected: Float32Array, vocab: number, tolerance: number): CheckResult[] {
  const wrong: number[] = [];
  for (let t = 0; t < RUNC_POSITIONS; t++) {
    if (argmaxOf(logits.subarray(t * vocab, (t + 1) * vocab)) !== argmaxOf(expected.subarray(t * vocab, (t + 1) * vocab))) wrong.push(t);
  }
  return [
    closeness(names[0], logits, expected, tolerance),
    { check: names[1], pass: wrong.length === 0, ...(wrong.length ? { detail: `differs at positions ${wrong.slice(0, 10).join(', ')}${wrong.length > 10 ? ', …' : ''}` } : {}) },
  ];
}

/** models/llama2c-260k: logits of 256 teacher-forced positions against llama2.c's run.c, argmax at every position. */
export async function checkRuncLogits(model: LlamaForCausalLM, dir: string, tolerance: number): Promise<CheckResult[]> {
  const vocab = model.config.vocab_size;
  const { ids, expected } = readRuncReference(dir, vocab);
  const out = await model.forward({ input_ids: [ids], use_cache: false });
  try {
    const names: [string, string] = ['logits vs run.c (256 positions)', 'argmax vs run.c at every position'];
    return compareWithRunc(names, await out.logits!.toFloat32(), expected, vocab, tolerance);
  } finally {
    disposeOutput(out);
  }
}

/**
 * The decode path generate() takes where the backend captures steps (CUDA graphs): run.c's first token through
 * forward, then tokens 1..255 one a step through one captured step (cache slot and kvLength read on the device,
 * attention split over the whole cache bound), each step's logits against run.c's at that position. No result
 * where the backend cannot capture.
 */
export async function checkCapturedDecode(model: LlamaForCausalLM, dir: string, tolerance: number): Promise<CheckResult[]> {
  if (!canCaptureDecodeStep(model)) return [];
  const vocab = model.config.vocab_size;
  const { ids, expected } = readRuncReference(dir, vocab);
  const logits = new Float32Array(RUNC_POSITIONS * vocab);
  const cache = new DynamicCache({ capacity: RUNC_POSITIONS });
  let graph: DecodeGraph | undefined;
  try {
    const first = await model.forward({ input_ids: [[ids[0]!]], past_key_values: cache, use_cache: true });
    logits.set(await first.logits!.toFloat32(), 0);
    disposeOutput(first, { keepCache: true });
    const shape = model.model.cacheShape(1);
    for (let t = 1; t < RUNC_POSITIONS; t++) {
      const layers = await cache.prepare(model.backend, shape, 1);
      graph ??= new DecodeGraph(model, layers, null);
      if (!graph.uses(layers)) throw new Error(`the cache was given new tensors at position ${t}`);
      const step = graph.run([ids[t]!], [t], cache.get_seq_length());
      cache.advance(1);
      logits.set(await step.toFloat32(), t * vocab);
      step.dispose();
    }
  } finally {
    graph?.dispose();
    cache.dispose();
  }
  const names: [string, string] = ['captured decode step: logits vs run.c (255 replays, one token each)', 'captured decode step: argmax vs run.c at every position'];
  return compareWithRunc(names, logits, expected, vocab, tolerance);
}
