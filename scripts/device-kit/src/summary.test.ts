import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BenchReport, benchRow, formatSummary, highlights, parseBenchOutput, parseSteps, summarize } from './summary.js';

// The fields of a cria bench report (apps/cli bench.ts) for the 1B shape on cuda; numbers are made up.
const report: BenchReport = {
  model: 'random llama-3.2-1b',
  backend: 'cuda',
  device_description: 'NVIDIA H100 80GB HBM3',
  dtype: 'bfloat16',
  decode_weight_bytes: 2_471_628_800,
  decode_step: 'captured',
  prompt_length: 128,
  new_tokens: 256,
  prefill_tokens_per_second: 4000,
  decode_tokens_per_second: 600,
  copy_bytes_per_second: 2.9e12,
  decode_bound_tokens_per_second: 1173,
  decode_fraction_of_bound: 0.5115,
  matmul_tflops: 782,
  prefill_fraction_of_matmul_rate: 0.0101,
};
const bounds = { device_name: 'NVIDIA H100 80GB HBM3', copy_bytes_per_second: 3e12, bf16_matmul_flops_per_second: 7.82e14 };

describe('benchRow', () => {
  it('puts decode also against the torch-measured copy bandwidth', () => {
    const row = benchRow('cuda-1b-decode', report, bounds);
    expect(row.decode_fraction_of_torch_copy_bound).toBeCloseTo(600 / (3e12 / 2_471_628_800), 12);
    expect(row.report).toBe(report);
  });

  it('leaves decode out of a prefill-only run and when torch measured nothing', () => {
    expect(benchRow('p', { ...report, new_tokens: 1 }, bounds).decode_fraction_of_torch_copy_bound).toBeUndefined();
    expect(benchRow('n', report, undefined).decode_fraction_of_torch_copy_bound).toBeUndefined();
  });

  it('names the run whose weight bytes are not positive', () => {
    expect(() => benchRow('cuda-7b-decode', { ...report, decode_weight_bytes: 0 }, bounds)).toThrow(/cuda-7b-decode: decode_weight_bytes 0/);
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
  it('prints the bench fractions as percentages, decode only where one was timed', () => {
    const text = formatSummary([], bounds, [benchRow('cuda-1b-decode', report, bounds), benchRow('cuda-1b-prefill2048', { ...report, new_tokens: 1 }, bounds)], []);
    const torchShare = ((100 * 600 * 2_471_628_800) / 3e12).toFixed(0);
    expect(text).toContain(
      `cuda-1b-decode: cuda bfloat16 p128 n256: prefill 4000 tok/s = 1% of 782 TFLOP/s | decode 600 tok/s (captured) = 51% of 1173, copy 2900 GB/s; ${torchShare}% of the torch-copy bound [NVIDIA H100 80GB HBM3]`,
    );
    expect(text).toContain('cuda-1b-prefill2048: cuda bfloat16 p128 n1: prefill 4000 tok/s = 1% of 782 TFLOP/s [NVIDIA H100 80GB HBM3]');
    const separate = formatSummary([], bounds, [benchRow('cuda-1b-decode-separate', { ...report, ops: 'separate' }, bounds)], []);
    expect(separate).toContain('cuda-1b-decode-separate: cuda bfloat16 p128 n256: prefill 4000 tok/s = 1% of 782 TFLOP/s | decode 600 tok/s (captured, separate ops) = 51% of 1173');
    expect(text).toContain('copy 3000 GB/s (read+write), bf16 matmul 782 TFLOP/s');
  });

  it('keeps the totals and speeds of the logs', () => {
    const perf = 'llama-3.2-1b decode as a CUDA graph replay (token fed back on the device): 597.0 tok/s -> 49% of the bandwidth bound';
    const log = `noise\nconformance: 74/74 pass (3.1 s)\nPASS x\nmatvec bf16 W[4096,4096] x[1]: 9.0 us\n${perf}\nFAIL models/a loss\n========= ERROR SUMMARY: 0 errors\n` +
      "cria bench: no backend available for device 'cuda':\n  File \"bounds.py\", line 8\nModuleNotFoundError: No module named 'torch'\n";
    expect(highlights(log)).toEqual([
      'conformance: 74/74 pass (3.1 s)', perf, 'FAIL models/a loss', '========= ERROR SUMMARY: 0 errors',
      "cria bench: no backend available for device 'cuda':", "ModuleNotFoundError: No module named 'torch'",
    ]);
  });
});

describe('summarize', () => {
  it('turns what failed steps left (empty or broken files) into notes and still prints the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'device-kit-summary-'));
    try {
      writeFileSync(join(dir, 'steps.tsv'), 'bounds\tfailed-1\t0\tbench.log\nbench cuda-1b-decode\tok\t40\tbench.log\n');
      writeFileSync(join(dir, 'bounds.json'), '');
      writeFileSync(join(dir, 'bench-cuda-7b-decode.json'), '');
      writeFileSync(join(dir, 'bench-cuda-1b-decode.json'), JSON.stringify(report));
      writeFileSync(join(dir, 'e2e-cuda.json'), '{"device": "cuda", "passed": 79, "total": 79}');
      writeFileSync(join(dir, 'e2e-webgpu.json'), '{"device": ');
      const { text, json } = summarize(dir);
      expect(text).toContain('failed-1      0 s  bounds');
      expect(text).toContain('== bounds: not measured');
      expect(text).toContain('cuda-1b-decode: cuda bfloat16 p128 n256');
      expect(text).toMatch(/bounds.json: .*bounds.json: empty/);
      expect(text).toContain('bench-cuda-7b-decode.json: empty (the bench failed; see its log)');
      expect(text).toMatch(/e2e-webgpu.json: .*not readable JSON/);
      expect(json).toMatchObject({ bounds: null, e2e: [{ device: 'cuda', passed: 79, total: 79 }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
