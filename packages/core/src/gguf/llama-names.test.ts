import { describe, expect, it } from 'vitest';
import { ggufRowOfHfRow, ggufTensorName, hfTensorName } from './llama-names.js';

describe('llama tensor names', () => {
  const pairs: [string, string][] = [
    ['model.embed_tokens.weight', 'token_embd.weight'],
    ['model.norm.weight', 'output_norm.weight'],
    ['lm_head.weight', 'output.weight'],
    ['model.layers.0.input_layernorm.weight', 'blk.0.attn_norm.weight'],
    ['model.layers.12.self_attn.q_proj.weight', 'blk.12.attn_q.weight'],
    ['model.layers.3.self_attn.k_proj.bias', 'blk.3.attn_k.bias'],
    ['model.layers.3.self_attn.v_proj.weight', 'blk.3.attn_v.weight'],
    ['model.layers.3.self_attn.o_proj.weight', 'blk.3.attn_output.weight'],
    ['model.layers.3.post_attention_layernorm.weight', 'blk.3.ffn_norm.weight'],
    ['model.layers.3.mlp.gate_proj.weight', 'blk.3.ffn_gate.weight'],
    ['model.layers.3.mlp.up_proj.weight', 'blk.3.ffn_up.weight'],
    ['model.layers.3.mlp.down_proj.weight', 'blk.3.ffn_down.weight'],
  ];
  it.each(pairs)('%s <-> %s', (hf, gguf) => {
    expect(ggufTensorName(hf)).toBe(gguf);
    expect(hfTensorName(gguf)).toBe(hf);
  });

  it('answers null for names outside the llama architecture', () => {
    for (const name of ['rope_freqs.weight', 'blk.0.attn_qkv.weight', 'blk.x.attn_q.weight', 'blk.01.attn_q.weight', 'blk.0.constructor.weight', 'token_embd', 'blk.0.attn_q.scale']) {
      expect(hfTensorName(name)).toBeNull();
    }
    expect(ggufTensorName('model.layers.0.self_attn.rotary_emb.inv_freq')).toBeNull();
    expect(ggufTensorName('model.layers.0.toString.weight')).toBeNull();
  });
});

describe('ggufRowOfHfRow', () => {
  it('interleaves the two halves of each head', () => {
    // One head of 4: HF rows (first half 0, 1; second half 2, 3) sit at GGUF rows 0, 2, 1, 3.
    expect([0, 1, 2, 3].map((r) => ggufRowOfHfRow(r, 4))).toEqual([0, 2, 1, 3]);
    // Two heads of 6: the second head's rows stay in the second head.
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((r) => ggufRowOfHfRow(r, 6))).toEqual([0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11]);
  });
  it('is a permutation of every head size', () => {
    for (const headDim of [2, 8, 64, 128]) {
      const seen = new Set(Array.from({ length: 3 * headDim }, (_, r) => ggufRowOfHfRow(r, headDim)));
      expect(seen.size).toBe(3 * headDim);
      expect(Math.max(...seen)).toBe(3 * headDim - 1);
    }
  });
});
