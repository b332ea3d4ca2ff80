// The heads suite's checks on the CPU backend (the oracle): they pass on the three head fixtures and fail
// against another checkpoint's goldens.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { checkHeadGoldens } from './head-checks.js';

const TOLERANCE = 1e-4;

describe('checkHeadGoldens on the cpu backend', () => {
  it.each([
    ['seqcls', 'tiny-llama-seqcls', 'seqcls_logits (right-padded rows)'],
    ['tokcls', 'tiny-llama-tokcls', 'tokcls_logits'],
    ['qa', 'tiny-llama-qa', 'qa_end_logits'],
  ] as const)('%s: %s passes every check, its head logits among them', async (kind, name, headCheck) => {
    const results = await checkHeadGoldens(kind, fixture('models', name), 'cpu', TOLERANCE);
    expect(results.map((r) => r.check)).toContain(headCheck);
    expect(results.map((r) => r.check)).toContain('padded_last_hidden_state (mask 1)');
    for (const r of results) expect(r, r.check).toMatchObject({ pass: true });
  });

  it("fails every check against another checkpoint's goldens", async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'device-kit-heads-'));
    try {
      const dir = join(scratch, 'tokcls');
      cpSync(fixture('models', 'tiny-llama-tokcls'), dir, { recursive: true });
      copyFileSync(fixture('models', 'tiny-llama-qa', 'expected.safetensors'), join(dir, 'expected.safetensors'));
      const results = await checkHeadGoldens('tokcls', dir, 'cpu', TOLERANCE);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(r, r.check).toMatchObject({ pass: false });
      expect(results.find((r) => r.check === 'tokcls_logits')?.detail).toBe('golden tensor missing from expected.safetensors');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
