// config.json's RoPE and dtype fields, read as the real transformers 5 reads them (vectors from
// test/transformers5/generate.py), in its layout (`rope_parameters`, `dtype`) and in 4.x's (`rope_theta` +
// `rope_scaling`, `torch_dtype`); fields that disagree refused by name; save_pretrained writing both layouts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlamaConfig } from '../src/index.js';

interface Case {
  name: string;
  config: Record<string, unknown>;
  rope_parameters: Record<string, unknown>;
  dtype: string | null;
  saved: { rope_parameters?: Record<string, unknown>; dtype?: string | null };
}
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, 'transformers5', 'rope-standardization.json'), 'utf8')) as { transformers: string; cases: Case[] };

describe(`config.json read as transformers ${vectors.transformers} reads it`, () => {
  it('has the cases of both layouts', () => expect(vectors.cases.length).toBeGreaterThanOrEqual(18));

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const config = LlamaConfig.from_dict(structuredClone(c.config));
    expect(config.rope_parameters).toEqual(c.rope_parameters);
    expect(config.rope_theta).toBe(c.rope_parameters.rope_theta);
    expect(config.dtype).toBe(c.dtype);
    // What cria writes carries transformers 5's fields with transformers 5's values.
    const written = config.to_dict();
    if (c.saved.rope_parameters) expect(written.rope_parameters).toEqual(c.saved.rope_parameters);
    expect(written.dtype ?? null).toBe(c.saved.dtype ?? null);
  });
});

describe('fields that disagree are refused, naming both', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['rope_theta against rope_parameters.rope_theta', { rope_theta: 10000, rope_parameters: { rope_type: 'default', rope_theta: 500000 } }, /'rope_theta' \(10000\) and 'rope_parameters.rope_theta' \(500000\) disagree/],
    ['rope_theta against rope_scaling.rope_theta', { rope_theta: 10000, rope_scaling: { rope_type: 'linear', factor: 2, rope_theta: 5 } }, /'rope_theta' \(10000\) and 'rope_scaling.rope_theta' \(5\) disagree/],
    ['rope_scaling against rope_parameters (type)', { rope_scaling: { rope_type: 'linear', factor: 2 }, rope_parameters: { rope_type: 'dynamic', factor: 2, rope_theta: 10000 } }, /'rope_scaling' and 'rope_parameters' disagree on 'rope_type'/],
    ['rope_scaling against rope_parameters (factor)', { rope_scaling: { type: 'linear', factor: 2 }, rope_parameters: { rope_type: 'linear', factor: 4 } }, /disagree on 'factor' \(2 vs 4\)/],
    ['rope_scaling against rope_parameters (theta)', { rope_theta: 10000, rope_scaling: { rope_type: 'linear', factor: 2 }, rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 500000 } }, /disagree on 'rope_theta' \(10000 vs 500000\)/],
    ['dtype against torch_dtype', { dtype: 'float16', torch_dtype: 'bfloat16' }, /'dtype' \('float16'\) and 'torch_dtype' \('bfloat16'\) disagree/],
  ];
  it.each(cases)('%s', (_name, dict, message) => {
    expect(() => LlamaConfig.from_dict(dict)).toThrow(message);
  });

  it('an empty rope_scaling (as 4.x writes null) defers to rope_parameters, as transformers does', () => {
    const c = LlamaConfig.from_dict({ rope_scaling: {}, rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 7 } });
    expect(c.rope_parameters).toEqual({ rope_type: 'linear', factor: 2, rope_theta: 7 });
  });
});

describe('save_pretrained', () => {
  const roundTrip = async (config: LlamaConfig): Promise<{ written: Record<string, unknown>; again: LlamaConfig }> => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-rope-'));
    await config.save_pretrained(dir);
    const written = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return { written, again: await LlamaConfig.from_pretrained(dir) };
  };

  it('a config.json in the new layout round-trips, writing the 4.x keys beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-rope-in-'));
    const file = {
      model_type: 'llama', hidden_size: 32, num_attention_heads: 2, max_position_embeddings: 131072, dtype: 'bfloat16',
      rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192, rope_theta: 500000 },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(file));
    const config = await LlamaConfig.from_pretrained(dir);
    const { written, again } = await roundTrip(config);
    // transformers 5's fields, as they were
    expect(written.rope_parameters).toEqual(file.rope_parameters);
    expect(written.dtype).toBe('bfloat16');
    // transformers 4.x's: it reads rope_theta + rope_scaling (no rope_theta inside) and, before 4.56, torch_dtype
    expect(written.rope_theta).toBe(500000);
    expect(written.rope_scaling).toEqual({ rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 });
    expect(written.torch_dtype).toBe('bfloat16');
    expect(again.rope_parameters).toEqual(config.rope_parameters);
    expect(again.to_dict()).toEqual(config.to_dict());
  });

  it('the default rope writes rope_scaling null, as 4.x expects', async () => {
    const { written, again } = await roundTrip(LlamaConfig.from_dict({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }));
    expect(written.rope_scaling).toBeNull();
    expect(written.rope_theta).toBe(1e6);
    expect(written).not.toHaveProperty('torch_dtype'); // no dtype, none written
    expect(again.rope_parameters).toEqual({ rope_type: 'default', rope_theta: 1e6 });
  });
});

describe('setting RoPE after loading', () => {
  it('from_pretrained overrides apply after the file, as transformers sets its kwargs on the loaded config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-rope-over-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', rope_parameters: { rope_type: 'linear', factor: 4, rope_theta: 5e5 } }));
    const c = await LlamaConfig.from_pretrained(dir, { rope_scaling: { rope_type: 'dynamic', factor: 2 } });
    expect(c.rope_parameters).toEqual({ rope_type: 'dynamic', factor: 2, rope_theta: 5e5 });
    const theta = await LlamaConfig.from_pretrained(dir, { rope_theta: 1e4 });
    expect(theta.rope_parameters).toEqual({ rope_type: 'linear', factor: 4, rope_theta: 1e4 });
  });

  it('rope_scaling and rope_theta are setters of rope_parameters', () => {
    const c = LlamaConfig.from_dict({ rope_theta: 5e5 });
    c.rope_scaling = { rope_type: 'linear', factor: 8 };
    expect(c.rope_parameters).toEqual({ rope_type: 'linear', factor: 8, rope_theta: 5e5 });
    c.rope_theta = 1e6;
    expect(c.rope_parameters).toEqual({ rope_type: 'linear', factor: 8, rope_theta: 1e6 });
    c.torch_dtype = 'float16';
    expect(c.dtype).toBe('float16');
  });

  it('errors name the field the file used: rope_scaling for a 4.x file, rope_parameters for a 5.x one', () => {
    expect(() => LlamaConfig.from_dict({ rope_scaling: { rope_type: 'linear' } })).toThrow(/'rope_scaling.factor' is required/);
    expect(() => LlamaConfig.from_dict({ rope_parameters: { rope_type: 'linear' } })).toThrow(/'rope_parameters.factor' is required/);
  });
});
