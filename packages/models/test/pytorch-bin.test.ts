// pytorch_model.bin (single and sharded) loads through @cria/convert's safe reader and gives the goldens.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { createPytorchCheckpointWriter } from '@cria/convert';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { expectClose, readExpectedJson, readExpectedTensors } from '../src/testing.js';

const SOURCE = fixture('models', 'tiny-llama2-gqa-f16-sharded');

/** Rewrites the fixture's safetensors weights as PyTorch zip checkpoints split into `shards` files. */
async function asPytorch(shards: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cria-bin-'));
  for (const f of ['config.json', 'generation_config.json']) copyFileSync(join(SOURCE, f), join(dir, f));
  const st = await openSafetensors(SOURCE);
  const keys = st.keys();
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = shards === 1 ? 'pytorch_model.bin' : `pytorch_model-0000${s + 1}-of-0000${shards}.bin`;
    const mine = keys.filter((_, i) => i % shards === s);
    const writer = await createPytorchCheckpointWriter(join(dir, file), mine.map((name) => ({ name, dtype: st.info(name).dtype!, shape: st.info(name).shape })));
    for (const name of mine) {
      await writer.write(name, await st.getBytes(name));
      weightMap[name] = file;
    }
    await writer.close();
  }
  await st.close();
  if (shards > 1) writeFileSync(join(dir, 'pytorch_model.bin.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

describe('pytorch_model.bin', () => {
  for (const shards of [1, 2]) {
    it(`${shards === 1 ? 'a single file' : 'two shards and an index'} give the same logits as the safetensors goldens`, async () => {
      const dir = await asPytorch(shards);
      const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
      expect(model.model.layers[0]!.self_attn.q_proj.weight.value.dtype).toBe('float16');
      const expected = readExpectedJson(SOURCE);
      const tensors = await readExpectedTensors(SOURCE);
      const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
      expectClose(await out.logits!.toFloat32(), tensors.get('logits')!.data, 1e-4, 'logits');
      disposeOutput(out);
      model.dispose();
    });
  }

  it('an index naming a tensor no shard holds is an error naming it', async () => {
    const dir = await asPytorch(2);
    const indexPath = join(dir, 'pytorch_model.bin.index.json');
    const index = JSON.parse((await import('node:fs')).readFileSync(indexPath, 'utf8'));
    index.weight_map['model.extra.weight'] = 'pytorch_model-00001-of-00002.bin';
    writeFileSync(indexPath, JSON.stringify(index));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/model\.extra\.weight/);
  });
});
