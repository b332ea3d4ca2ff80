// The bad-arguments table: well formed, covering every op, and passing on the cpu backend (test/parity runs it on every
// other backend that starts).
import { OP_NAMES } from '@cria/core';
import { CpuBackend } from '@cria/kernels-cpu';
import { describe, expect, it } from 'vitest';
import { BAD_ARGUMENT_CASES, formatBadArguments, runBadArguments } from '../src/index.js';

describe('the bad-arguments table', () => {
  it('has rows for all 16 ops, of each kind the contract decides', () => {
    const ops = new Set(BAD_ARGUMENT_CASES.map((c) => c.op));
    expect([...OP_NAMES].filter((op) => !ops.has(op))).toEqual([]);
    for (const op of OP_NAMES) {
      const rows = BAD_ARGUMENT_CASES.filter((c) => c.op === op);
      expect(rows.some((c) => c.error === 'UnsupportedOpError' || c.error === 'ArgumentError'), op).toBe(true);
    }
    expect(BAD_ARGUMENT_CASES.filter((c) => c.spoil && Object.values(c.spoil).includes('disposed')).map((c) => c.op).sort()).toEqual([...OP_NAMES].sort());
    const names = BAD_ARGUMENT_CASES.map((c) => `${c.op} ${c.name}`);
    expect(new Set(names).size).toBe(names.length);
    // The rows of the decisions taken once for every backend.
    for (const row of ['topk k = 0 gives empty values and indices (torch.topk)', 'rmsNorm weight [1, H]', 'linear bias [1, M]', 'rmsNorm eps < 0', 'attention mask [B, L] with L > kvLength', 'add on a disposed backend']) {
      expect(names).toContain(row);
    }
  });

  it('passes on the cpu backend', async () => {
    const results = await runBadArguments(new CpuBackend(), async () => new CpuBackend());
    expect(results.filter((r) => r.status === 'fail'), formatBadArguments('cpu', results)).toEqual([]);
  });

  it('fails a backend that throws the wrong class, names the wrong argument, or does not throw', async () => {
    class Lenient extends CpuBackend {
      override rmsNorm(...args: Parameters<CpuBackend['rmsNorm']>) {
        return super.rmsNorm(args[0], args[1], Math.abs(args[2]));
      }
    }
    const results = await runBadArguments(new Lenient(), async () => new Lenient(), BAD_ARGUMENT_CASES.filter((c) => c.op === 'rmsNorm'));
    expect(results.filter((r) => r.status === 'fail').map((r) => r.case.name)).toEqual(['eps < 0']);
    const renamed = BAD_ARGUMENT_CASES.filter((c) => c.name === 'weight [1, H]').map((c) => ({ ...c, names: 'bias' }));
    expect((await runBadArguments(new CpuBackend(), async () => new CpuBackend(), renamed))[0]!.message).toMatch(/must name 'bias'/);
  });
});
