// Not in the test command (vitest includes src/ and test/ only): the 1B-shape check of a Q4_K_M file on WebGPU within a
// 2 GiB weights budget its F16 form exceeds. Needs the bench's cached files (node bench/llama-cpp/dist/main.js --shape
// llama-3.2-1b --dtype q4_k_m --quick writes them). Run from test/parity:
//   CRIA_GGUF_DIR=../../bench/llama-cpp/node_modules/.cache/cria-bench-llama-cpp pnpm exec vitest run --config bench/vitest.config.ts webgpu-gguf-budget
import { join } from 'node:path';
import { WebGpuBackend } from '@cria/kernels-webgpu';
import { LlamaForCausalLM } from '@cria/models';
import { expect, it } from 'vitest';

const dir = process.env.CRIA_GGUF_DIR ?? '';
const GIB = 2 ** 30;

it('Llama-3.2-1B shape: Q4_K_M loads and generates within 2 GiB on webgpu; its F16 form is refused', { timeout: 3_600_000 }, async () => {
  expect(dir, 'set CRIA_GGUF_DIR').not.toBe('');
  const gpu = await WebGpuBackend.create({ memoryLimit: 2 * GIB });
  try {
    console.log(gpu.description);
    await expect(LlamaForCausalLM.from_pretrained(join(dir, 'llama-3.2-1b-float16-seed0.gguf'), { device: gpu })).rejects.toThrow(/more than the webgpu backend .* can hold: 2147483648 bytes/);
    let start = performance.now();
    const model = await LlamaForCausalLM.from_pretrained(join(dir, 'llama-3.2-1b-q4_k_m-seed0.gguf'), { device: gpu });
    console.log(`loaded in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    const prompt = [[128000, 791, 3938, 315, 279, 1917, 374]];
    start = performance.now();
    const [ids] = await model.generate(prompt, { max_new_tokens: 4, do_sample: false, eos_token_id: null });
    console.log(`generated ${JSON.stringify(ids!.slice(7))} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    model.dispose();
    const onCpu = await LlamaForCausalLM.from_pretrained(join(dir, 'llama-3.2-1b-q4_k_m-seed0.gguf'), { device: 'cpu' });
    const [expected] = await onCpu.generate(prompt, { max_new_tokens: 4, do_sample: false, eos_token_id: null });
    onCpu.dispose();
    console.log(`cpu backend: ${JSON.stringify(expected!.slice(7))}`);
    expect(ids!.length).toBe(11);
  } finally {
    gpu.dispose();
  }
});
