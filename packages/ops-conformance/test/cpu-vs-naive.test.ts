// With only the CPU present this is what judges the kernels: every case of the table on the cpu
// backend against the naive loops in ./naive (written from the op definitions, not from the kernels).
import { describe, expect, it } from 'vitest';
import { createBackend } from '@cria/kernels-cpu';
import { OP_NAMES } from '@cria/core';
import { OP_CASES, formatResults, runConformance } from '../src/index.js';
import { NaiveBackend } from '../src/naive.js';

describe('cpu kernels against naive loops', () => {
  it('the table covers every op', () => {
    expect(new Set(OP_CASES.map((c) => c.op))).toEqual(new Set(OP_NAMES));
  });

  it('passes every case of the table within its bound', async () => {
    const cpu = await createBackend();
    const results = await runConformance(cpu, new NaiveBackend());
    console.log(formatResults('cpu', results, 'naive loops (src/naive)'));
    const failed = results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.status} ${r.message ?? ''}`);
    expect(failed).toEqual([]);
  });
});
