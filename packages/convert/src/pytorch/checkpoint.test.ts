import { describe, expect, it } from 'vitest';
import { fixture } from '@cria/core/testing';
import { openPytorchCheckpoint } from './checkpoint.js';
import { readSafetensorsRaw } from '../../test/read-safetensors.js';

describe('openPytorchCheckpoint on Meta fixtures', () => {
  it('lists the tensors of a single-shard checkpoint with their shapes and dtypes', async () => {
    const ckpt = await openPytorchCheckpoint(fixture('meta', 'meta-llama1-tiny', 'meta', 'consolidated.00.pth'));
    try {
      expect(ckpt.keys()).toContain('tok_embeddings.weight');
      expect(ckpt.keys()).toContain('rope.freqs');
      const info = ckpt.info('layers.0.attention.wq.weight');
      expect(info.dtype).toBe('bfloat16');
      expect(info.shape).toEqual([16, 16]);
      expect(info.contiguous).toBe(true);
      expect(ckpt.has('nope')).toBe(false);
      expect(() => ckpt.info('nope')).toThrow(/no tensor 'nope'/);
    } finally {
      await ckpt.close();
    }
  });

  it('reads tensors that the conversion copies unchanged bit for bit equal to the expected HF file', async () => {
    const expected = readSafetensorsRaw(fixture('meta', 'meta-llama1-tiny', 'expected-hf', 'model.safetensors')).tensors;
    const ckpt = await openPytorchCheckpoint(fixture('meta', 'meta-llama1-tiny', 'meta', 'consolidated.00.pth'));
    try {
      const pairs: [string, string][] = [
        ['tok_embeddings.weight', 'model.embed_tokens.weight'],
        ['norm.weight', 'model.norm.weight'],
        ['output.weight', 'lm_head.weight'],
        ['layers.1.feed_forward.w2.weight', 'model.layers.1.mlp.down_proj.weight'],
        ['layers.0.attention.wv.weight', 'model.layers.0.self_attn.v_proj.weight'],
      ];
      for (const [meta, hf] of pairs) {
        expect(Buffer.from(await ckpt.getBytes(meta)).equals(Buffer.from(expected.get(hf)!.bytes)), meta).toBe(true);
      }
      const t = await ckpt.get('norm.weight');
      expect(t.shape).toEqual([16]);
      expect(t.dtype).toBe('bfloat16');
    } finally {
      await ckpt.close();
    }
  });
});
