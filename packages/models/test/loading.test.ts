// from_pretrained: dtypes, errors for broken checkpoints, attention implementations, resize, pretraining_tp.
import { copyFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ElementDType, openSafetensors, writeSafetensors, type SafetensorsTensorInput } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM, LlamaModel, disposeOutput } from '../src/index.js';
import { expectClose, readExpectedJson, readExpectedTensors } from '../src/testing.js';

const MHA = fixture('models', 'tiny-llama1-mha');

/** A copy of the tiny-llama1-mha folder whose weights are `edit`ed. */
async function brokenCopy(edit: (tensors: Record<string, SafetensorsTensorInput>) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cria-broken-'));
  for (const f of ['config.json', 'generation_config.json']) copyFileSync(join(MHA, f), join(dir, f));
  const file = await openSafetensors(join(MHA, 'model.safetensors'));
  const tensors: Record<string, SafetensorsTensorInput> = {};
  for (const key of file.keys()) {
    const t = await file.get(key);
    tensors[key] = { dtype: t.dtype as ElementDType, shape: [...t.shape], data: await t.toArray() };
  }
  await file.close();
  edit(tensors);
  await writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

describe('from_pretrained errors name the problem', () => {
  it('a missing weight', async () => {
    const dir = await brokenCopy((t) => delete t['model.layers.1.mlp.up_proj.weight']);
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/missing weights: model\.layers\.1\.mlp\.up_proj\.weight/);
  });

  it('an unexpected weight', async () => {
    const dir = await brokenCopy((t) => (t['model.layers.0.self_attn.extra.weight'] = { dtype: 'float32', shape: [2], data: new Float32Array(2) }));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/unexpected weights: model\.layers\.0\.self_attn\.extra\.weight/);
  });

  it('a weight of the wrong shape', async () => {
    const dir = await brokenCopy((t) => (t['model.norm.weight'] = { dtype: 'float32', shape: [3], data: new Float32Array(3) }));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/'model\.norm\.weight' has shape \[3\], expected \[64\]/);
  });

  it('a truncated safetensors file', async () => {
    const dir = await brokenCopy(() => {});
    const path = join(dir, 'model.safetensors');
    truncateSync(path, Math.floor(readFileSync(path).length / 2));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/model\.safetensors/);
  });

  it('no weights file at all, and a bad config field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-empty-'));
    copyFileSync(join(MHA, 'config.json'), join(dir, 'config.json'));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/model\.safetensors/);
    const config = JSON.parse(readFileSync(join(MHA, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_key_value_heads: 3 }));
    await expect(LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' })).rejects.toThrow(/num_key_value_heads/);
  });

  it('bad options', async () => {
    await expect(LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', dtype: 'int8' as never })).rejects.toThrow(/'dtype' is 'int8'/);
    await expect(LlamaForCausalLM.from_pretrained(MHA, { device: 'tpu' as never })).rejects.toThrow(/unknown device 'tpu'/);
    await expect(LlamaForCausalLM.from_pretrained(MHA, { device: { name: 'cpu' } as never })).rejects.toThrow(/'device' must be 'auto', 'cuda', 'webgpu', 'cpu', 'reference' or a Backend, got an object that is not a backend/);
    await expect(LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', attn_implementation: 'magic' as never })).rejects.toThrow(/attn_implementation/);
  });
});

describe('dtypes', () => {
  it("'auto' keeps bf16 weights; 'float32' widens them with the same outputs", async () => {
    const dir = fixture('models', 'tiny-llama3-bf16-tied');
    const expected = readExpectedJson(dir);
    const tensors = await readExpectedTensors(dir);
    const auto = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
    expect(auto.model.layers[0]!.self_attn.q_proj.weight.value.dtype).toBe('bfloat16');
    expect(auto.lm_head.weight).toBe(auto.model.embed_tokens.weight); // tied
    auto.dispose();
    const wide = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'float32' });
    expect(wide.model.layers[0]!.self_attn.q_proj.weight.value.dtype).toBe('float32');
    const out = await wide.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
    expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!.data, 1e-4, 'last_hidden_state');
    disposeOutput(out);
    wide.dispose();
  });

  it("'float16' / 'bfloat16' narrow f32 weights: outputs within the half-precision bound", async () => {
    const expected = readExpectedJson(MHA);
    const tensors = await readExpectedTensors(MHA);
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const model = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', dtype });
      expect(model.lm_head.weight.value.dtype).toBe(dtype);
      const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
      expectClose(await out.logits!.toFloat32(), tensors.get('logits')!.data, 1e-2, `${dtype} logits`);
      disposeOutput(out);
      model.dispose();
    }
  });
});

describe('attention implementations and output_attentions', () => {
  it('eager and sdpa give the same outputs; attention rows are causal probabilities', async () => {
    const expected = readExpectedJson(MHA);
    const ids = expected.inputs.input_ids;
    const eager = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', attn_implementation: 'eager' });
    const sdpa = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', attn_implementation: 'sdpa' });
    const a = await eager.forward({ input_ids: ids, output_attentions: true, use_cache: false });
    const b = await sdpa.forward({ input_ids: ids, use_cache: false });
    expectClose(await a.logits!.toFloat32(), await b.logits!.toFloat32(), 1e-6, 'eager vs sdpa');
    expect(a.attentions).toHaveLength(eager.config.num_hidden_layers);
    const heads = eager.config.num_attention_heads;
    const seq = ids[0]!.length;
    expect(a.attentions![0]!.shape).toEqual([2, heads, seq, seq]);
    const w = await a.attentions![0]!.toFloat32();
    for (let row = 0; row < 2 * heads * seq; row++) {
      const q = row % seq;
      let sum = 0;
      for (let k = 0; k < seq; k++) {
        const p = w[row * seq + k]!;
        if (k > q) expect(p).toBe(0);
        sum += p;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
    disposeOutput(a);
    disposeOutput(b);
    eager.dispose();
    sdpa.dispose();
  });

  it("output_attentions is refused where the probabilities are never materialised, naming attn_implementation", async () => {
    const ids = readExpectedJson(MHA).inputs.input_ids;
    for (const attn of ['sdpa', 'flash_attention_2'] as const) {
      const model = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', attn_implementation: attn });
      expect(model.model.attn_implementation).toBe(attn); // the head sets its base model's
      await expect(model.forward({ input_ids: ids, output_attentions: true, use_cache: false })).rejects.toThrow(new RegExp(`attn_implementation '${attn}'.*'eager'`));
      model.attn_implementation = 'eager';
      const out = await model.forward({ input_ids: ids, output_attentions: true, use_cache: false });
      expect(out.attentions).toHaveLength(model.config.num_hidden_layers);
      disposeOutput(out);
      expect(() => { model.attn_implementation = 'fast' as never; }).toThrow(/attn_implementation.*'fast'/);
      model.dispose();
    }
  });
});

describe('resize_token_embeddings', () => {
  it('appends rows equal to the mean of the old ones and keeps old logits', async () => {
    const model = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu' });
    const oldEmbed = await model.model.embed_tokens.weight.value.toFloat32();
    const ids = [[1, 5, 9, 300]];
    const before = await (await model.forward({ input_ids: ids, use_cache: false })).logits!.toFloat32();
    await model.resize_token_embeddings(513);
    expect(model.config.vocab_size).toBe(513);
    const embed = await model.model.embed_tokens.weight.value.toFloat32();
    expect(embed.length).toBe(513 * 64);
    for (let j = 0; j < 64; j++) {
      let mean = 0;
      for (let r = 0; r < 512; r++) mean += oldEmbed[r * 64 + j]!;
      expect(embed[512 * 64 + j]).toBeCloseTo(mean / 512, 6);
    }
    const out = await model.forward({ input_ids: [[...ids[0]!.slice(0, 3), 512]], use_cache: false });
    const after = await out.logits!.toFloat32();
    expect(out.logits!.shape).toEqual([1, 4, 513]);
    // Positions before the new token see the same inputs: their first 512 logits are unchanged.
    for (let t = 0; t < 3; t++) expectClose(after.subarray(t * 513, t * 513 + 512), before.subarray(t * 512, (t + 1) * 512), 1e-6, `position ${t}`);
    model.dispose();
  });

  it('the tied head follows the embeddings', async () => {
    const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
    await model.resize_token_embeddings(520, 8);
    expect(model.lm_head.weight).toBe(model.model.embed_tokens.weight);
    expect(model.lm_head.weight.value.shape).toEqual([520, 64]);
    model.dispose();
  });
});

describe('pretraining_tp', () => {
  it('pretraining_tp 2 computes the same function as 1', async () => {
    const expected = readExpectedJson(MHA);
    const tensors = await readExpectedTensors(MHA);
    const model = await LlamaForCausalLM.from_pretrained(MHA, { device: 'cpu', config: { pretraining_tp: 2 } });
    expect(model.config.pretraining_tp).toBe(2);
    const out = await model.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
    expectClose(await out.logits!.toFloat32(), tensors.get('logits')!.data, 1e-4, 'logits');
    model.dispose();
  });
});

describe('LlamaModel from a causal-LM checkpoint', () => {
  it('skips lm_head and gives the base outputs', async () => {
    const base = await LlamaModel.from_pretrained(MHA, { device: 'cpu' });
    const expected = readExpectedJson(MHA);
    const tensors = await readExpectedTensors(MHA);
    const out = await base.forward({ input_ids: expected.inputs.input_ids, use_cache: false });
    expectClose(await out.last_hidden_state.toFloat32(), tensors.get('last_hidden_state')!.data, 1e-4, 'last_hidden_state');
    base.dispose();
  });
});
