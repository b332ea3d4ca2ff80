// The cpu kernels, composed into a LLaMA forward pass, against the fixtures' golden outputs
// (transformers' LLaMA in float32 over the stored weights). Float32 paths agree to ~1e-4 (fixtures README).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, relativeError } from '@cria/core/testing';
import { CpuBackend } from '../src/index.js';
import { readCheckpoint, readSafetensors } from './support/checkpoint.js';
import { type LlamaConfigJson, llamaForward } from './support/llama-forward.js';

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

      const plain = await llamaForward(backend, config, weights, { ids: inputs.input_ids, positions: inputs.input_ids.map((row) => row.map((_, i) => i)) }, allTokenLogits);
      expect(relativeError(plain.firstLayerOut, golden('hidden_states_first_layer_out'))).toBeLessThan(BOUND);
      expect(relativeError(plain.lastHidden, golden('last_hidden_state'))).toBeLessThan(BOUND);
      expect(relativeError(plain.logits, golden(allTokenLogits ? 'logits' : 'logits_last'))).toBeLessThan(BOUND);

      const mask = inputs.padded_attention_mask;
      const padded = await llamaForward(backend, config, weights, { ids: inputs.padded_input_ids, positions: inputs.padded_position_ids, mask }, false);
      const hidden = config.hidden_size;
      expect(relativeError(unmasked(padded.lastHidden, mask, hidden), unmasked(golden('padded_last_hidden_state'), mask, hidden))).toBeLessThan(BOUND);
      expect(relativeError(padded.logits, golden('padded_logits_last'))).toBeLessThan(BOUND);
      expect(seq).toBe(24);
      console.log(`${model}: last_hidden_state ${relativeError(plain.lastHidden, golden("last_hidden_state")).toExponential(2)}, logits ${relativeError(plain.logits, golden(allTokenLogits ? "logits" : "logits_last")).toExponential(2)}, padded logits ${relativeError(padded.logits, golden("padded_logits_last")).toExponential(2)}`);
    });
  }
});
