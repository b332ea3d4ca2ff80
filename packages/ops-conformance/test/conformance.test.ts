// The op-conformance suite: every backend that can start here (other than cpu) against the cpu backend.
import { describe, expect, it } from 'vitest';
import { availableBackends, getBackend } from '@cria/core';
import { createBackend } from '@cria/kernels-cpu';
import { formatResults, runConformance } from '../src/index.js';

const backends = await availableBackends();
const others = backends.filter((b) => b.name !== 'cpu');
const runnable = others.filter((b) => b.available);

describe('op conformance against the cpu backend', () => {
  it('lists every backend and why it cannot start', () => {
    for (const b of others) console.log(`${b.name}: ${b.available ? 'available' : `unavailable (${b.reason})`}`);
    expect(backends.find((b) => b.name === 'cpu')?.available).toBe(true);
  });

  for (const { name } of runnable) {
    it(`${name}: every supported case within its bound`, async () => {
      const backend = await getBackend(name);
      const results = await runConformance(backend, await createBackend());
      console.log(formatResults(name, results));
      const failed = results.filter((r) => r.status === 'fail').map((r) => `${r.case.name}: ${r.message}`);
      expect(failed).toEqual([]);
    });
  }

  if (runnable.length === 0) {
    // Reported as skipped, with the reasons; the cpu kernels themselves are judged by cpu-vs-naive.test.ts.
    it.skip(`no backend other than cpu can start here (${others.map((b) => `${b.name}: ${b.reason}`).join('; ')})`, () => {});
  }
});
