import { LlamaConfig } from '@cria/config';
import { getBackend } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM } from '../llama/heads.js';
import { disposeOutput } from '../modeling-outputs.js';
import { initRandomWeights } from './random-weights.js';

const config = () => LlamaConfig.from_dict({ hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 100 });

describe('initRandomWeights', () => {
  it('fills matrices within ±std·√3, norms with 1, the same per seed, and the model runs', async () => {
    const backend = await getBackend('cpu');
    const a = new LlamaForCausalLM(config(), backend);
    const b = new LlamaForCausalLM(config(), backend);
    initRandomWeights(a, { seed: 5, std: 0.02 });
    initRandomWeights(b, { seed: 5, std: 0.02 });
    const q = await a.model.layers[1]!.self_attn.q_proj.weight.value.toFloat32();
    expect(q.every((x) => Math.abs(x) <= 0.02 * Math.sqrt(3))).toBe(true);
    expect(new Set(q).size).toBeGreaterThan(q.length / 2);
    expect(q).toEqual(await b.model.layers[1]!.self_attn.q_proj.weight.value.toFloat32());
    expect(Array.from(await a.model.norm.weight.value.toFloat32())).toEqual(Array(32).fill(1));
    const out = await a.forward({ input_ids: [[1, 2, 3]], use_cache: false });
    expect((await out.logits!.toFloat32()).every(Number.isFinite)).toBe(true);
    disposeOutput(out);
    initRandomWeights(b, { seed: 5, dtype: 'bfloat16' });
    expect(b.lm_head.weight.value.dtype).toBe('bfloat16');
  });
});
