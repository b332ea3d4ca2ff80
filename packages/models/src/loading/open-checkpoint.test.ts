// openCheckpoint: safetensors sources read tensor ranges (checked); pytorch sources load whole and name their shard.
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeDirectory, openSafetensors } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { createPytorchCheckpointWriter } from '@cria/convert';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from './open-checkpoint.js';

const SHARDED = fixture('models', 'tiny-llama2-gqa-f16-sharded');

describe('openCheckpoint', () => {
  it('safetensors shards: readTensorRange gives the tensor bytes getBytes gives, any slice, and refuses ranges outside the tensor or after close', async () => {
    const checkpoint = await openCheckpoint(nodeDirectory(SHARDED));
    const reference = await openSafetensors(SHARDED);
    try {
      for (const key of ['model.embed_tokens.weight', 'model.norm.weight', 'model.layers.1.mlp.down_proj.weight']) {
        const whole = await reference.getBytes(key);
        expect(checkpoint.info(key).file).toBe(reference.info(key).file);
        const slice = new Uint8Array(Math.min(101, whole.byteLength - 37));
        await checkpoint.readTensorRange!(key, 37, slice);
        expect(slice).toEqual(whole.subarray(37, 37 + slice.byteLength));
        const tail = new Uint8Array(5);
        await checkpoint.readTensorRange!(key, whole.byteLength - 5, tail);
        expect(tail).toEqual(whole.subarray(whole.byteLength - 5));
        await expect(checkpoint.readTensorRange!(key, whole.byteLength - 4, new Uint8Array(5))).rejects.toThrow(/readTensorRange\('.*'\): bytes \d+\.\.\d+ are outside the tensor's \d+ bytes/);
      }
      await expect(checkpoint.readTensorRange!('model.norm.weight', -1, new Uint8Array(1))).rejects.toThrow(/outside the tensor/);
    } finally {
      await reference.close();
      await checkpoint.close();
    }
    await expect(checkpoint.readTensorRange!('model.norm.weight', 0, new Uint8Array(4))).rejects.toThrow(/read of 'model\.norm\.weight' after close\(\)/);
  });

  it('pytorch_model.bin: no ranged reads (the loader takes whole tensors), and info names the file for progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-bin-'));
    copyFileSync(join(SHARDED, 'config.json'), join(dir, 'config.json'));
    const st = await openSafetensors(SHARDED);
    const name = 'model.norm.weight';
    const writer = await createPytorchCheckpointWriter(join(dir, 'pytorch_model.bin'), [{ name, dtype: st.info(name).dtype!, shape: st.info(name).shape }]);
    await writer.write(name, await st.getBytes(name));
    await writer.close();
    await st.close();
    const checkpoint = await openCheckpoint(nodeDirectory(dir));
    try {
      expect(checkpoint.readTensorRange).toBeUndefined();
      expect(checkpoint.info(name)).toMatchObject({ file: 'pytorch_model.bin', shape: [64] });
    } finally {
      await checkpoint.close();
    }
  });
});
