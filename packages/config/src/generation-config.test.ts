import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { GenerationConfig } from './index.js';

describe('GenerationConfig', () => {
  it('has transformers defaults', () => {
    const g = new GenerationConfig();
    expect(g.max_length).toBe(20);
    expect(g.max_new_tokens).toBeNull();
    expect(g.do_sample).toBe(false);
    expect(g.temperature).toBe(1);
    expect(g.top_k).toBe(50);
    expect(g.top_p).toBe(1);
    expect(g.repetition_penalty).toBe(1);
  });

  it('reads generation_config.json', async () => {
    const g = await GenerationConfig.from_pretrained(fixture('models', 'llama2c-260k'));
    expect(g.bos_token_id).toBe(1);
    expect(g.eosTokenIds).toEqual([2]);
    expect(g.do_sample).toBe(false);
  });

  it('update applies overrides and validates them by name', () => {
    const g = new GenerationConfig({ eos_token_id: 2 });
    expect(g.update({ max_new_tokens: 5, top_k: undefined }).max_new_tokens).toBe(5);
    expect(() => g.update({ temperature: 0 })).toThrow(/temperature/);
    expect(() => g.update({ top_p: 1.5 })).toThrow(/top_p/);
    expect(() => g.update({ max_new_tokens: -1 })).toThrow(/max_new_tokens/);
    expect(() => g.update({ num_beams: 4 })).toThrow(/num_beams/);
    expect(() => g.update({ eos_token_id: 'x' })).toThrow(/eos_token_id/);
  });

  it('from_model_config takes the token ids', () => {
    const g = GenerationConfig.from_model_config({ bos_token_id: 5, eos_token_id: [6, 7], vocab_size: 9 });
    expect(g.bos_token_id).toBe(5);
    expect(g.eosTokenIds).toEqual([6, 7]);
    expect(g.vocab_size).toBeUndefined();
  });
});
