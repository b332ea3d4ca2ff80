import { describe, expect, it } from 'vitest';
import { type BenchShape, decodeBoundTokensPerSecond, layerLinearParameters, prefillBoundTokensPerSecond, prefillFlops } from './bounds-math.js';

// The shapes cria bench builds (apps/cli bench.ts), written out from the published config.json files.
const LLAMA_2_7B: BenchShape = { hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, vocab_size: 32000 };
const LLAMA_32_1B: BenchShape = { hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 128256 };

describe('layerLinearParameters', () => {
  it('is the published parameter count less embeddings and norms', () => {
    // Llama-2-7b: 6,738,415,616 parameters; untied embed_tokens and lm_head 32000 x 4096 each; 65 norms of 4096.
    expect(layerLinearParameters(LLAMA_2_7B)).toBe(6_738_415_616 - 2 * 32000 * 4096 - 65 * 4096);
    // Llama-3.2-1B: 1,235,814,400 parameters; tied embeddings 128256 x 2048; 33 norms of 2048.
    expect(layerLinearParameters(LLAMA_32_1B)).toBe(1_235_814_400 - 128256 * 2048 - 33 * 2048);
  });

  it('refuses a hidden size the heads do not divide', () => {
    expect(() => layerLinearParameters({ ...LLAMA_2_7B, num_attention_heads: 30 })).toThrow(/not a multiple of num_attention_heads 30/);
  });
});

describe('prefillFlops', () => {
  it('counts 2 FLOPs per weight per token, causal attention pairs one by one, and one lm_head row', () => {
    const tokens = 37;
    let pairs = 0;
    for (let query = 0; query < tokens; query++) for (let key = 0; key <= query; key++) pairs++;
    const headDim = 2048 / 32;
    const flops = prefillFlops(LLAMA_32_1B, tokens);
    expect(flops.attention).toBe(16 * 32 * pairs * headDim * 2 * 2);
    expect(flops.linear).toBe(2 * 973_078_528 * tokens);
    expect(flops.lmHead).toBe(2 * 128256 * 2048);
    expect(flops.total).toBe(flops.linear + flops.attention + flops.lmHead);
  });

  it('gives the bound in tokens/s at a matmul rate', () => {
    const rate = 7.8e14;
    expect(prefillBoundTokensPerSecond(LLAMA_2_7B, 2048, rate)).toBeCloseTo(2048 / (prefillFlops(LLAMA_2_7B, 2048).total / rate), 6);
    expect(() => prefillBoundTokensPerSecond(LLAMA_2_7B, 2048, 0)).toThrow(/positive matmul rate/);
  });
});

describe('decodeBoundTokensPerSecond', () => {
  it('is bandwidth over weight bytes', () => {
    expect(decodeBoundTokensPerSecond(2e9, 3e12)).toBe(1500);
    expect(() => decodeBoundTokensPerSecond(0, 3e12)).toThrow(/positive weight bytes/);
  });
});
