// A quantized GGUF file on WebGPU (lavapipe here) within a device-memory budget its float16 form exceeds: llama2c-260k
// written by @cria/convert as F16 and as Q8_0; with memoryLimit between their weights' sizes the F16 file is refused
// before anything is allocated (naming the limit), the Q8_0 file loads and generates the greedy ids the cpu backend
// generates from the same file (both dequantize the blocks to llama.cpp's floats and sum in float32).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLlamaGguf } from '@cria/convert';
import { fixture } from '@cria/core/testing';
import { WebGpuBackend } from '@cria/kernels-webgpu';
import { LlamaForCausalLM } from '@cria/models';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'cria-webgpu-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a Q8_0 file loads and generates within a budget its F16 form exceeds', { timeout: 300_000 }, async () => {
  const f16 = join(dir, 'f16.gguf');
  const q8 = join(dir, 'q8_0.gguf');
  await writeLlamaGguf(fixture('models', 'llama2c-260k'), f16, { dtype: 'float16' });
  await writeLlamaGguf(fixture('models', 'llama2c-260k'), q8, { dtype: 'q8_0' });
  // Weights as loaded (norms float32): F16 521,472 bytes, Q8_0 329,952 (ffn_down stays F16: its rows of 172 are not
  // whole blocks); a budget between them.
  const budget = 380_000;
  const gpu = await WebGpuBackend.create({ memoryLimit: budget });
  try {
    expect(gpu.memoryLimit).toBe(budget);
    await expect(LlamaForCausalLM.from_pretrained(f16, { device: gpu })).rejects.toThrow(/f16\.gguf: the weights take 521472 bytes .* more than the webgpu backend .* can hold: 380000 bytes/);
    const model = await LlamaForCausalLM.from_pretrained(q8, { device: gpu });
    const onCpu = await LlamaForCausalLM.from_pretrained(q8, { device: 'cpu' });
    try {
      const options = { max_new_tokens: 16, do_sample: false, eos_token_id: null } as const;
      expect(await model.generate([[1, 403, 407]], options)).toEqual(await onCpu.generate([[1, 403, 407]], options));
    } finally {
      model.dispose();
      onCpu.dispose();
    }
  } finally {
    gpu.dispose();
  }
});

it('refuses a memoryLimit that is not a positive whole number of bytes, naming it', async () => {
  await expect(WebGpuBackend.create({ memoryLimit: -1 })).rejects.toThrow(/webgpu: memoryLimit must be a positive whole number of bytes, got -1/);
});
