// Expected values are those of the published Hugging Face configs of Meta's models.
import { describe, expect, it } from 'vitest';
import { buildGenerationConfig, buildHfConfig, pythonJson } from './hf-config.js';
import { computeIntermediateSize, parseMetaParams } from './meta-params.js';

describe('computeIntermediateSize', () => {
  it('gives the published intermediate sizes', () => {
    expect(computeIntermediateSize(4096, 1, 256)).toBe(11008); // LLaMA / Llama 2 7B
    expect(computeIntermediateSize(5120, 1, 256)).toBe(13824); // 13B
    expect(computeIntermediateSize(8192, 1.3, 4096)).toBe(28672); // Llama 2 70B
    expect(computeIntermediateSize(4096, 1.3, 1024)).toBe(14336); // Llama 3 8B
    expect(computeIntermediateSize(16384, 1.2, 4096)).toBe(53248); // Llama 3.1 405B
    expect(computeIntermediateSize(2048, 1.5, 256)).toBe(8192); // Llama 3.2 1B
    expect(computeIntermediateSize(3072, 1.0, 256)).toBe(8192); // Llama 3.2 3B
  });
});

describe('buildHfConfig', () => {
  const llama3_8b = parseMetaParams({ dim: 4096, n_layers: 32, n_heads: 32, n_kv_heads: 8, vocab_size: 128256, multiple_of: 1024, ffn_dim_multiplier: 1.3, norm_eps: 1e-5, rope_theta: 500000.0 }, 'params.json');

  it('Llama 3 8B (Instruct): context, token ids, no rope scaling', () => {
    const c = buildHfConfig(llama3_8b, { version: '3', vocabSize: 128256, instruct: true, torchDtype: 'bfloat16' });
    expect(c).toMatchObject({ hidden_size: 4096, intermediate_size: 14336, num_key_value_heads: 8, max_position_embeddings: 8192, rope_theta: 500000, bos_token_id: 128000, eos_token_id: [128001, 128008, 128009], rope_scaling: null, tie_word_embeddings: false, torch_dtype: 'bfloat16', head_dim: 128 });
    expect(buildHfConfig(llama3_8b, { version: '3', vocabSize: 128256, instruct: false, torchDtype: 'bfloat16' }).eos_token_id).toBe(128001);
  });

  it('Llama 3.1 and 3.2: llama3 rope scaling (factor 8 / 32), 131072 context, 3.2 ties embeddings', () => {
    const c31 = buildHfConfig(llama3_8b, { version: '3.1', vocabSize: 128256, instruct: false, torchDtype: 'bfloat16' });
    expect(c31.max_position_embeddings).toBe(131072);
    expect(c31.rope_scaling).toEqual({ factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' });
    const p32 = parseMetaParams({ dim: 2048, n_layers: 16, n_heads: 32, n_kv_heads: 8, vocab_size: 128256, ffn_dim_multiplier: 1.5, multiple_of: 256, norm_eps: 1e-5, rope_theta: 500000.0, use_scaled_rope: true }, 'params.json');
    const c32 = buildHfConfig(p32, { version: '3.2', vocabSize: 128256, instruct: false, torchDtype: 'bfloat16' });
    expect(c32).toMatchObject({ intermediate_size: 8192, tie_word_embeddings: true, head_dim: 64, max_position_embeddings: 131072 });
    expect((c32.rope_scaling as { factor: number }).factor).toBe(32);
  });

  it('LLaMA 1 / Llama 2 contexts, and 16384 for a Llama 2 with rope_theta above 10000 (Code Llama)', () => {
    const p = parseMetaParams({ dim: 4096, multiple_of: 256, n_heads: 32, n_layers: 32, norm_eps: 1e-6, vocab_size: -1 }, 'params.json');
    expect(buildHfConfig(p, { version: '1', vocabSize: 32000, instruct: false, torchDtype: 'float16' })).toMatchObject({ max_position_embeddings: 2048, intermediate_size: 11008, bos_token_id: 1, eos_token_id: 2, num_key_value_heads: 32 });
    expect(buildHfConfig(p, { version: '2', vocabSize: 32000, instruct: false, torchDtype: 'float16' }).max_position_embeddings).toBe(4096);
    const code = parseMetaParams({ dim: 4096, n_layers: 32, n_heads: 32, multiple_of: 256, norm_eps: 1e-5, rope_theta: 1000000 }, 'params.json');
    expect(buildHfConfig(code, { version: '2', vocabSize: 32016, instruct: false, torchDtype: 'bfloat16' }).max_position_embeddings).toBe(16384);
  });

  it('generation_config.json and Python-style JSON floats', () => {
    expect(buildGenerationConfig('3.1', true)).toEqual({ bos_token_id: 128000, do_sample: true, eos_token_id: [128001, 128008, 128009], temperature: 0.6, top_p: 0.9 });
    expect(pythonJson({ rope_theta: 10000, factor: 8, n: 3, list: [1, 2] })).toBe('{\n  "rope_theta": 10000.0,\n  "factor": 8.0,\n  "n": 3,\n  "list": [\n    1,\n    2\n  ]\n}\n');
  });

  it('params.json faults name the field', () => {
    expect(() => parseMetaParams({ dim: 16, n_heads: 4, norm_eps: 1e-5 }, 'p.json')).toThrow(/p\.json: params\.json lacks 'n_layers'/);
    expect(() => parseMetaParams({ dim: 16, n_layers: 1, n_heads: 4, n_kv_heads: 3, norm_eps: 1e-5 }, 'p.json')).toThrow(/'n_kv_heads' \(3\) must divide 'n_heads' \(4\)/);
    expect(() => parseMetaParams([], 'p.json')).toThrow(/must be a JSON object/);
    expect(parseMetaParams({ model: { dim: 16, n_layers: 1, n_heads: 4, norm_eps: 1e-5 } }, 'p.json').dim).toBe(16);
  });
});
