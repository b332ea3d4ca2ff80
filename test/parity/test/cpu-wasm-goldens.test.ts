// The cpu backend's WebAssembly build end to end (the addon build runs these in @cria/models' own suites): every
// causal-LM fixture and the transformers 5 checkpoints against their goldens (hidden states, logits, loss, padded
// batch to 1e-4, greedy ids exactly), and llama2c-260k against llama2.c's run.c logits at 256 positions.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { createBackend } from '@cria/kernels-cpu';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { argmaxOf, describeCausalLmGoldens, expectClose } from '@cria/models/testing';
import { expect, it } from 'vitest';

// In this file, 'cpu' is the WebAssembly build on two threads.
registerBackend('cpu', { probe: async () => ({ available: true }), createBackend: () => createBackend({ build: 'wasm', threads: 2 }) });

describeCausalLmGoldens('cpu', 1e-4);

const transformers5 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'packages', 'models', 'test', 'transformers5');
describeCausalLmGoldens(
  'cpu',
  1e-4,
  new Map(readdirSync(transformers5, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => [`transformers5/${e.name}`, join(transformers5, e.name)] as const)),
);

it('runs on the WebAssembly build', async () => {
  const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
  expect((model.backend as unknown as { description: string }).description).toMatch(/^wasm wasm-simd128 × 2 threads$/);
  model.dispose();
});

it('llama2c-260k matches run.c logits at all 256 positions, argmax everywhere', async () => {
  const reference = JSON.parse(readFileSync(fixture('models', 'llama2c-260k', 'reference', 'reference.json'), 'utf8')) as { input_ids_teacher_forced: number[] };
  const bytes = readFileSync(fixture('models', 'llama2c-260k', 'reference', 'runc_logits_256x512.f32'));
  const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
  const out = await model.forward({ input_ids: [reference.input_ids_teacher_forced.slice(0, 256)], use_cache: false });
  const logits = await out.logits!.toFloat32();
  expectClose(logits, expected, 1e-4, 'logits vs run.c');
  for (let t = 0; t < 256; t++) expect(argmaxOf(logits.subarray(t * 512, (t + 1) * 512)), `argmax at ${t}`).toBe(argmaxOf(expected.subarray(t * 512, (t + 1) * 512)));
  disposeOutput(out);
  model.dispose();
});
