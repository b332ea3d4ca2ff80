// Converts every Meta fixture and checks the result against expected-hf, which was made by the
// reference (transformers') conversion: tensors bit for bit, config on every architecture field.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '@cria/core/testing';
import { convertMetaCheckpoint, type LlamaVersion } from '../src/index.js';
import { readSafetensorsRaw } from './read-safetensors.js';

const out = mkdtempSync(join(tmpdir(), 'cria-convert-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const ARCHITECTURE_FIELDS = [
  'architectures', 'model_type', 'hidden_size', 'intermediate_size', 'num_attention_heads', 'num_hidden_layers', 'rms_norm_eps',
  'num_key_value_heads', 'vocab_size', 'rope_theta', 'max_position_embeddings', 'hidden_act', 'bos_token_id', 'eos_token_id',
  'tie_word_embeddings', 'rope_scaling', 'attention_bias', 'mlp_bias', 'torch_dtype',
];

const cases: { folder: string; version: LlamaVersion; torchDtype: 'bfloat16' | 'float32' }[] = [
  { folder: 'meta-llama1-tiny', version: '1', torchDtype: 'bfloat16' },
  { folder: 'meta-llama2-tiny-mp2', version: '2', torchDtype: 'bfloat16' },
  { folder: 'meta-llama3.1-tiny', version: '3.1', torchDtype: 'bfloat16' },
  { folder: 'llama2c-260k', version: '2', torchDtype: 'float32' },
];

describe('Meta -> Hugging Face conversion of the fixtures', () => {
  for (const c of cases) {
    it(`${c.folder}: tensors bit for bit, config on every architecture field`, async () => {
      const dest = join(out, c.folder);
      const progress: number[] = [];
      const result = await convertMetaCheckpoint({
        inputDir: fixture('meta', c.folder, 'meta'),
        outputDir: dest,
        llamaVersion: c.version,
        torchDtype: c.torchDtype,
        onProgress: (p) => progress.push(p.done),
      });
      const expected = readSafetensorsRaw(fixture('meta', c.folder, 'expected-hf', 'model.safetensors'));
      const actual = readSafetensorsRaw(join(dest, 'model.safetensors'));
      expect([...actual.tensors.keys()].sort()).toEqual([...expected.tensors.keys()].sort());
      for (const [name, want] of expected.tensors) {
        const got = actual.tensors.get(name)!;
        expect(got.dtype, name).toBe(want.dtype);
        expect(got.shape, name).toEqual(want.shape);
        expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes)), `${name} bytes`).toBe(true);
      }
      expect(actual.metadata).toEqual({ format: 'pt' });
      const wantConfig = JSON.parse(readFileSync(fixture('meta', c.folder, 'expected-hf', 'config.json'), 'utf8')) as Record<string, unknown>;
      const gotConfig = JSON.parse(readFileSync(join(dest, 'config.json'), 'utf8')) as Record<string, unknown>;
      for (const field of ARCHITECTURE_FIELDS) expect(gotConfig[field], field).toEqual(wantConfig[field]);
      expect(result.config).toEqual(gotConfig);
      expect(progress).toEqual(Array.from({ length: result.tensors }, (_, i) => i + 1));
    });
  }

  it('writes several shards with an index under a small --max_shard_size, same tensors', async () => {
    const dest = join(out, 'sharded');
    const result = await convertMetaCheckpoint({
      inputDir: fixture('meta', 'meta-llama2-tiny-mp2', 'meta'),
      outputDir: dest,
      llamaVersion: '2',
      maxShardSize: '1MB',
    });
    const index = JSON.parse(readFileSync(join(dest, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string>; metadata: { total_size: number } };
    const shardNames = [...new Set(Object.values(index.weight_map))].sort();
    expect(shardNames.length).toBeGreaterThan(1);
    expect(result.files).toContain('model.safetensors.index.json');
    const expected = readSafetensorsRaw(fixture('meta', 'meta-llama2-tiny-mp2', 'expected-hf', 'model.safetensors')).tensors;
    let total = 0;
    for (const shard of shardNames) {
      for (const [name, t] of readSafetensorsRaw(join(dest, shard)).tensors) {
        expect(index.weight_map[name]).toBe(shard);
        expect(Buffer.from(t.bytes).equals(Buffer.from(expected.get(name)!.bytes)), name).toBe(true);
        total += t.bytes.byteLength;
      }
    }
    expect(index.metadata.total_size).toBe(total);
    expect(Object.keys(index.weight_map).sort()).toEqual([...expected.keys()].sort());
  });
});
