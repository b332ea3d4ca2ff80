// The cpu kernels, composed into a LLaMA forward pass, against the fixtures' golden outputs
// (transformers' LLaMA in float32 over the stored weights). Float32 paths agree to ~1e-4 (fixtures README).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, relativeError } from '@cria/core/testing';
import { CpuBackend } from '../src/index.js';
import { readCheckpoint, readSafetensors } from './support/checkpoint.js';
import { type LlamaConfigJson, LlamaOverOps } from './support/llama-forward.js';

const BOUND = 1e-4;

interface ExpectedJson {
  inputs: { input_ids: number[][]; padded_input_ids: number[][]; padded_attention_mask: number[][]; padded_position_ids: number[][] };
}

/** The entries of a [B, S, X] array at the tokens whose mask is 1. */
function unmasked(values: Float32Array, mask: number[][], width: number): number[] {
  const out: number[] = [];
  mask.flat().forEach((m, token) => {
    if (m !== 0) out.push(...values.subarray(token * width, (token + 1) * width));
  });
  return out;
}

const MODELS = ['tiny-llama1-mha', 'tiny-llama2-gqa-f16-sharded', 'tiny-llama-bias-headdim', 'tiny-llama3-bf16-tied'];

describe('a LLaMA forward pass of cpu ops matches the golden outputs', () => {
  for (const model of MODELS) {
    it(model, async () => {
      const dir = fixture('models', model);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as LlamaConfigJson;
      const { inputs } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as ExpectedJson;
      const expected = readSafetensors(join(dir, 'expected.safetensors'));
      const weights = readCheckpoint(dir);
      const backend = new CpuBackend();
      const golden = (name: string) => expected.get(name)!.data as Float32Array;
      const seq = inputs.input_ids[0]!.length;
      const allTokenLogits = expected.has('logits');

      const batch = inputs.input_ids.length;
      const plain = await new LlamaOverOps(backend, config, weights, batch, seq).step({ ids: inputs.input_ids, positions: inputs.input_ids.map((row) => row.map((_, i) => i)) }, allTokenLogits);
      expect(relativeError(plain.firstLayerOut, golden('hidden_states_first_layer_out'))).toBeLessThan(BOUND);
      expect(relativeError(plain.lastHidden, golden('last_hidden_state'))).toBeLessThan(BOUND);
      expect(relativeError(plain.logits, golden(allTokenLogits ? 'logits' : 'logits_last'))).toBeLessThan(BOUND);

      const mask = inputs.padded_attention_mask;
      const padded = await new LlamaOverOps(backend, config, weights, batch, seq).step({ ids: inputs.padded_input_ids, positions: inputs.padded_position_ids, mask }, false);
      const hidden = config.hidden_size;
      expect(relativeError(unmasked(padded.lastHidden, mask, hidden), unmasked(golden('padded_last_hidden_state'), mask, hidden))).toBeLessThan(BOUND);
      expect(relativeError(padded.logits, golden('padded_logits_last'))).toBeLessThan(BOUND);
      expect(seq).toBe(24);
      console.log(`${model}: last_hidden_state ${relativeError(plain.lastHidden, golden("last_hidden_state")).toExponential(2)}, logits ${relativeError(plain.logits, golden(allTokenLogits ? "logits" : "logits_last")).toExponential(2)}, padded logits ${relativeError(padded.logits, golden("padded_logits_last")).toExponential(2)}`);
    });
  }

  it('llama2c-260k (trained weights) against llama2.c run.c logits: a 64-token prefill, then 32 decode steps over the cache', async () => {
    const dir = fixture('models', 'llama2c-260k');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as LlamaConfigJson;
    const reference = JSON.parse(readFileSync(fixture('models', 'llama2c-260k', 'reference', 'reference.json'), 'utf8')) as { input_ids_teacher_forced: number[] };
    const bytes = readFileSync(fixture('models', 'llama2c-260k', 'reference', 'runc_logits_256x512.f32'));
    const runc = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const vocab = config.vocab_size;
    const ids = reference.input_ids_teacher_forced;
    const [prefill, decode] = [64, 32];
    const model = new LlamaOverOps(new CpuBackend(), config, readCheckpoint(dir), 1, prefill + decode);
    const first = await model.step({ ids: [ids.slice(0, prefill)], positions: [Array.from({ length: prefill }, (_, i) => i)] }, true);
    const errors = [relativeError(first.logits, runc.subarray(0, prefill * vocab))];
    for (let pos = prefill; pos < prefill + decode; pos++) {
      const { logits } = await model.step({ ids: [[ids[pos]!]], positions: [[pos]] }, false);
      errors.push(relativeError(logits, runc.subarray(pos * vocab, (pos + 1) * vocab)));
    }
    console.log(`llama2c-260k vs run.c: prefill ${errors[0]!.toExponential(2)}, worst decode step ${Math.max(...errors.slice(1)).toExponential(2)}`);
    for (const error of errors) expect(error).toBeLessThan(BOUND);
  });
});
