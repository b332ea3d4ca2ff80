import { describe, expect, it } from 'vitest';
import { type BenchReport, benchRow, formatSummary, highlights, parseBenchOutput, parseSteps } from './summary.js';

const report: BenchReport = {
  model: 'random llama-3.2-1b',
  shape: { hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 128256 },
  backend: 'cuda',
  dtype: 'bfloat16',
  weight_bytes: 2_471_628_800,
  prompt_length: 128,
  new_tokens: 256,
  prefill_tokens_per_second: 4000,
  decode_tokens_per_second: 600,
};
const bounds = { device_name: 'H100', copy_bytes_per_second: 3e12, bf16_matmul_flops_per_second: 7.8e14 };

describe('benchRow', () => {
  it('puts decode against weight bytes over the copy bandwidth', () => {
    const row = benchRow('cuda-1b-decode', report, bounds);
    expect(row.decode_bound_tokens_per_second).toBeCloseTo(3e12 / 2_471_628_800, 9);
    expect(row.decode_fraction_of_bound).toBeCloseTo(600 / (3e12 / 2_471_628_800), 9);
    expect(row.prefill_fraction_of_bound).toBeGreaterThan(0);
    expect(row.prefill_fraction_of_bound).toBeLessThan(1);
  });

  it('leaves decode out of a prefill-only run and bounds out when none were measured', () => {
    expect(benchRow('p', { ...report, new_tokens: 1 }, bounds).decode_fraction_of_bound).toBeUndefined();
    const row = benchRow('n', report, undefined);
    expect(row.decode_bound_tokens_per_second).toBeUndefined();
    expect(row.prefill_bound_tokens_per_second).toBeUndefined();
  });
});

describe('parseBenchOutput', () => {
  it('skips lines before the JSON object and names the file when there is none', () => {
    expect(parseBenchOutput(`Warning: driver says hello\n${JSON.stringify(report, null, 2)}\n`, 'b.json').decode_tokens_per_second).toBe(600);
    expect(() => parseBenchOutput('Error: out of memory\n', 'bench-x.json')).toThrow(/bench-x.json: no JSON object/);
    expect(() => parseBenchOutput('{ "truncated": ', 'bench-y.json')).toThrow(/bench-y.json: bench output is not JSON/);
  });
});

describe('parseSteps', () => {
  it('reads run.sh lines and refuses malformed ones', () => {
    expect(parseSteps('build-addon\tok\t61\tsetup-build.log\nmemcheck\ttimeout\t480\tmemcheck.log\n')).toEqual([
      { name: 'build-addon', status: 'ok', seconds: 61, log: 'setup-build.log' },
      { name: 'memcheck', status: 'timeout', seconds: 480, log: 'memcheck.log' },
    ]);
    expect(() => parseSteps('ok\n')).toThrow(/steps.tsv line 1/);
  });
});

describe('formatSummary and highlights', () => {
  it('prints fractions as percentages and keeps the totals of the logs', () => {
    const text = formatSummary([], bounds, [benchRow('cuda-1b-decode', report, bounds)], []);
    expect(text).toContain(`decode 600 (${(3e12 / 2_471_628_800).toFixed(0)}, ${((100 * 600) / (3e12 / 2_471_628_800)).toFixed(0)}%)`);
    expect(text).toContain('copy 3000 GB/s');
    const perf = 'llama-3.2-1b decode as a CUDA graph replay (token fed back on the device): 597.0 tok/s -> 49% of the bandwidth bound';
    const log = `noise\nconformance: 74/74 pass (3.1 s)\nPASS x\nmatvec bf16 W[4096,4096] x[1]: 9.0 us\n${perf}\nFAIL models/a loss\n========= ERROR SUMMARY: 0 errors\n`;
    expect(highlights(log)).toEqual(['conformance: 74/74 pass (3.1 s)', perf, 'FAIL models/a loss', '========= ERROR SUMMARY: 0 errors']);
  });
});
