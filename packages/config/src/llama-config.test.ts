import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { AutoConfig, LlamaConfig } from './index.js';

describe('LlamaConfig defaults', () => {
  it('has transformers LlamaConfig defaults (the LLaMA-7B shape)', () => {
    const c = LlamaConfig.from_dict({});
    expect(c.vocab_size).toBe(32000);
    expect(c.hidden_size).toBe(4096);
    expect(c.intermediate_size).toBe(11008);
    expect(c.num_hidden_layers).toBe(32);
    expect(c.num_attention_heads).toBe(32);
    expect(c.num_key_value_heads).toBe(32);
    expect(c.head_dim).toBe(128);
    expect(c.hidden_act).toBe('silu');
    expect(c.max_position_embeddings).toBe(2048);
    expect(c.rms_norm_eps).toBe(1e-6);
    expect(c.rope_theta).toBe(10000);
    expect(c.rope_parameters).toEqual({ rope_type: 'default', rope_theta: 10000 });
    expect(c.rope_scaling).toBe(c.rope_parameters); // transformers 5's alias
    expect(c.attention_bias).toBe(false);
    expect(c.mlp_bias).toBe(false);
    expect(c.tie_word_embeddings).toBe(false);
    expect(c.pretraining_tp).toBe(1);
    expect(c.bos_token_id).toBe(1);
    expect(c.eos_token_id).toBe(2);
    expect(c.pad_token_id).toBeNull();
  });

  it('resolves num_key_value_heads and head_dim from other fields only when absent', () => {
    const c = LlamaConfig.from_dict({ hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 24 });
    expect(c.numKvHeads).toBe(2);
    expect(c.headDim).toBe(24);
    expect(LlamaConfig.from_dict({ hidden_size: 64, num_attention_heads: 4 }).headDim).toBe(16);
  });

  it('accepts eos_token_id as a list', () => {
    expect(LlamaConfig.from_dict({ eos_token_id: [128001, 128009] }).eosTokenIds).toEqual([128001, 128009]);
  });
});

describe('LlamaConfig validation names the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ hidden_size: 100, num_attention_heads: 3 }, /num_attention_heads.*hidden_size/],
    [{ num_attention_heads: 32, num_key_value_heads: 5 }, /num_key_value_heads/],
    [{ vocab_size: 0 }, /vocab_size/],
    [{ rms_norm_eps: -1 }, /rms_norm_eps/],
    [{ hidden_act: 'gelu' }, /hidden_act/],
    [{ eos_token_id: ['x'] }, /eos_token_id/],
    [{ rope_scaling: { factor: 2 } }, /rope_type/],
    [{ rope_scaling: { rope_type: 'nope', factor: 2 } }, /rope_scaling.rope_type/],
    [{ rope_scaling: { rope_type: 'linear' } }, /rope_scaling.factor/],
    [{ rope_scaling: { type: 'dynamic', factor: 0.5 } }, /rope_scaling.factor/],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8, original_max_position_embeddings: 64 } }, /rope_scaling.low_freq_factor' is required/],
    [{ rope_parameters: { rope_type: 'yarn', factor: 2, original_max_position_embeddings: 0 } }, /rope_parameters.original_max_position_embeddings' must be an integer > 0/],
    [{ rope_parameters: { rope_type: 'yarn', factor: 2, truncate: 'no' } }, /rope_parameters.truncate/],
    [{ rope_parameters: { rope_type: 'linear', factor: 2, beta_fast: 8 } }, /'rope_parameters.beta_fast' is not a parameter of rope_type 'linear'/],
    [{ rope_parameters: { rope_type: 'default', partial_rotary_factor: 0.5 } }, /rope_parameters.partial_rotary_factor/],
    [{ rope_parameters: 'linear' }, /'rope_parameters' must be an object or null/],
    [{ rope_theta: -1 }, /'rope_theta' must be a positive number/],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1, original_max_position_embeddings: 8192 } }, /high_freq_factor/],
    [{ rope_scaling: { rope_type: 'longrope', short_factor: [1], long_factor: [1] } }, /short_factor/],
  ];
  for (const [dict, message] of cases) {
    it(`rejects ${JSON.stringify(dict)}`, () => {
      expect(() => LlamaConfig.from_dict(dict)).toThrow(message);
    });
  }

  it('accepts the old `type` key and mirrors it as rope_type', () => {
    const c = LlamaConfig.from_dict({ rope_scaling: { type: 'linear', factor: 2 } });
    expect(c.rope_scaling?.rope_type).toBe('linear');
  });
});

describe('config round trip', () => {
  it('from_pretrained -> save_pretrained -> from_pretrained keeps every key, unknown ones too', async () => {
    const dir = fixture('models', 'tiny-llama3-bf16-tied');
    const original = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const config = await LlamaConfig.from_pretrained(dir);
    expect(config.rope_scaling?.rope_type).toBe('llama3');
    expect(config.tie_word_embeddings).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'cria-config-'));
    config.custom_field = { kept: [1, 2] };
    await config.save_pretrained(out);
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(original)) expect(written[key], key).toEqual(value);
    expect(written.custom_field).toEqual({ kept: [1, 2] });
    const again = await LlamaConfig.from_pretrained(out);
    expect(again.to_dict()).toEqual(config.to_dict());
  });

  it('to_json_string parses back to to_dict', () => {
    const c = LlamaConfig.from_dict({ hidden_size: 64, num_attention_heads: 4, unknown_key: 'x' });
    expect(JSON.parse(c.to_json_string())).toEqual(c.to_dict());
    expect(c.to_dict().unknown_key).toBe('x');
  });

  it('AutoConfig picks LlamaConfig from model_type and rejects others by name', async () => {
    const c = await AutoConfig.from_pretrained(fixture('models', 'tiny-llama-seqcls'));
    expect(c).toBeInstanceOf(LlamaConfig);
    expect(c.numLabels).toBe(3);
    expect(() => AutoConfig.for_dict({ model_type: 'bert' })).toThrow(/model_type.*bert/);
    expect(() => AutoConfig.for_dict({})).toThrow(/model_type/);
  });

  it('a missing or broken config.json is an error naming the file', async () => {
    await expect(LlamaConfig.from_pretrained(mkdtempSync(join(tmpdir(), 'cria-empty-')))).rejects.toThrow(/config\.json.*missing/);
  });
});
