// llama2c-260k (trained weights) against llama2.c's run.c logits, teacher-forced over 256 positions.
import { readFileSync } from 'node:fs';
import { fixture } from '@cria/core/testing';
import { expect, it } from 'vitest';
import { LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { argmaxOf, expectClose } from '../src/testing.js';

it('matches run.c logits at all 256 positions, argmax everywhere', async () => {
  const dir = fixture('models', 'llama2c-260k');
  const reference = JSON.parse(readFileSync(fixture('models', 'llama2c-260k', 'reference', 'reference.json'), 'utf8')) as { input_ids_teacher_forced: number[] };
  const bytes = readFileSync(fixture('models', 'llama2c-260k', 'reference', 'runc_logits_256x512.f32'));
  const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ids = reference.input_ids_teacher_forced.slice(0, 256);
  expect(expected.length).toBe(256 * 512);
  const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
  const out = await model.forward({ input_ids: [ids], use_cache: false });
  const logits = await out.logits!.toFloat32();
  expectClose(logits, expected, 1e-4, 'logits vs run.c');
  for (let t = 0; t < 256; t++) {
    const ours = logits.subarray(t * 512, (t + 1) * 512);
    const theirs = expected.subarray(t * 512, (t + 1) * 512);
    expect(argmaxOf(ours), `argmax at position ${t}`).toBe(argmaxOf(theirs));
  }
  disposeOutput(out);
  model.dispose();
});
