// llama2c-260k (trained weights) on webgpu against llama2.c's run.c logits, teacher-forced over 256
// positions in one prefill (long-prompt attention, tiled matmul), argmax equal at every position.
import { readFileSync } from 'node:fs';
import { registerBackend } from '@cria/core';
import { fixture, relativeError } from '@cria/core/testing';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { expect, it } from 'vitest';

function argmaxOf(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

it('matches run.c logits at all 256 positions on webgpu', async () => {
  registerBackend('webgpu', () => import('@cria/kernels-webgpu'));
  const reference = JSON.parse(readFileSync(fixture('models', 'llama2c-260k', 'reference', 'reference.json'), 'utf8')) as { input_ids_teacher_forced: number[] };
  const bytes = readFileSync(fixture('models', 'llama2c-260k', 'reference', 'runc_logits_256x512.f32'));
  const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  expect(expected.length).toBe(256 * 512);
  const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'webgpu' });
  expect(model.device).toBe('webgpu');
  const out = await model.forward({ input_ids: [reference.input_ids_teacher_forced.slice(0, 256)], use_cache: false });
  const logits = await out.logits!.toFloat32();
  const error = relativeError(logits, expected);
  expect(error, `relative error ${error}`).toBeLessThanOrEqual(1e-4);
  for (let t = 0; t < 256; t++) {
    expect(argmaxOf(logits.subarray(t * 512, (t + 1) * 512)), `argmax at position ${t}`).toBe(argmaxOf(expected.subarray(t * 512, (t + 1) * 512)));
  }
  disposeOutput(out);
  model.dispose();
});
