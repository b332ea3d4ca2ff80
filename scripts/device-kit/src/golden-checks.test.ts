// The checks on the CPU backend (the oracle) over the smallest fixtures: they pass where the golden suite
// passes, and they fail when a golden is wrong.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { LlamaForCausalLM } from '@cria/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCapturedDecode, checkGoldens, checkRuncLogits } from './golden-checks.js';

const TOLERANCE = 1e-4;

describe('checkGoldens on the cpu backend', () => {
  const dir = fixture('meta', 'llama2c-260k', 'expected-hf');
  let model: LlamaForCausalLM;
  let scratch: string;
  beforeAll(async () => {
    model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
    scratch = mkdtempSync(join(tmpdir(), 'device-kit-goldens-'));
  });
  afterAll(() => {
    model?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('passes every check of the golden suite', async () => {
    const results = await checkGoldens(model, dir, TOLERANCE);
    expect(results.map((r) => r.check)).toEqual([
      'last_hidden_state', 'hidden_states[1]', 'logits', 'loss', 'padded_last_hidden_state (mask 1)', 'padded_logits_last', 'greedy 16 tokens',
    ]);
    for (const r of results) expect(r, r.check).toMatchObject({ pass: true });
  });

  it('fails the loss and the greedy ids when expected.json says otherwise', async () => {
    const wrong = join(scratch, 'wrong-json');
    cpSync(dir, wrong, { recursive: true });
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    expected.loss_labels_eq_input_ids *= 1.01;
    expected.greedy.output_ids[expected.greedy.output_ids.length - 1] += 1;
    writeFileSync(join(wrong, 'expected.json'), JSON.stringify(expected));
    const results = await checkGoldens(model, wrong, TOLERANCE);
    expect(results.filter((r) => !r.pass).map((r) => r.check)).toEqual(['loss', 'greedy 16 tokens']);
  });

  it('fails tensors that are missing from expected.safetensors or differ from them', async () => {
    const other = fixture('models', 'tiny-llama1-mha');
    const results = await checkGoldens(model, other, TOLERANCE);
    const tensorChecks = results.filter((r) => r.check !== 'loss' && !r.check.startsWith('greedy'));
    for (const r of tensorChecks) expect(r, r.check).toMatchObject({ pass: false });
  });
});

describe('checkRuncLogits on the cpu backend', () => {
  it('agrees with run.c at all 256 positions', async () => {
    const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
    try {
      const results = await checkRuncLogits(model, fixture('models', 'llama2c-260k'), TOLERANCE);
      expect(results).toHaveLength(2);
      for (const r of results) expect(r, r.check).toMatchObject({ pass: true });
      expect(results[0]!.error).toBeLessThan(TOLERANCE);
    } finally {
      model.dispose();
    }
  });
});

describe('checkCapturedDecode', () => {
  it('gives no result where the backend cannot capture (cpu)', async () => {
    const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
    try {
      expect(await checkCapturedDecode(model, fixture('models', 'llama2c-260k'), TOLERANCE)).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  it('replays one captured step 255 times to run.c\'s logits on the emulated CUDA device, and fails a wrong reference', async () => {
    registerBackend('cuda', { probe: async () => ({ available: true }), createBackend: async () => createEmulatedCudaBackend() });
    const dir = fixture('models', 'llama2c-260k');
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cuda' });
    const scratch = mkdtempSync(join(tmpdir(), 'device-kit-captured-'));
    try {
      const results = await checkCapturedDecode(model, dir, TOLERANCE);
      expect(results.map((r) => r.check)).toEqual(['captured decode step: logits vs run.c (255 replays, one token each)', 'captured decode step: argmax vs run.c at every position']);
      for (const r of results) expect(r, r.check).toMatchObject({ pass: true });
      // run.c's logits with position 200's row shifted: both checks must fail there.
      const wrong = join(scratch, 'llama2c-260k');
      cpSync(dir, wrong, { recursive: true });
      const bytes = readFileSync(join(dir, 'reference', 'runc_logits_256x512.f32'));
      const logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const row = logits.subarray(200 * 512, 201 * 512);
      row.set(Float32Array.from(row, (_, i) => row[(i + 1) % 512]!));
      writeFileSync(join(wrong, 'reference', 'runc_logits_256x512.f32'), new Uint8Array(logits.buffer));
      const failed = await checkCapturedDecode(model, wrong, TOLERANCE);
      expect(failed.map((r) => r.pass)).toEqual([false, false]);
      expect(failed[1]!.detail).toContain('200');
    } finally {
      model.dispose();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
