// The runner must catch a wrong backend: wrong values, wrong shapes, NaN, throws, and it must report
// unsupported combinations as unsupported, never as a pass.
import { describe, expect, it } from 'vitest';
import { type AttentionOptions, type OpInput, type OpName, type RopeOptions, type Tensor, dtypeOf, hostData } from '@cria/core';
import { CpuBackend } from '@cria/kernels-cpu';
import { OP_CASES, runConformance, runOpCase } from '../src/index.js';

const reference = new CpuBackend();
const casesOf = (op: OpName) => OP_CASES.filter((c) => c.op === op);

class DropsBias extends CpuBackend {
  override linear(x: Tensor, weight: Tensor): Tensor {
    return super.linear(x, weight);
  }
}

class IgnoresMask extends CpuBackend {
  override attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
    return super.attention(q, k, v, { ...options, mask: undefined });
  }
}

class IgnoresRopeScaling extends CpuBackend {
  override rope(x: Tensor, positions: Tensor, invFreq: Tensor, options: RopeOptions): Tensor {
    return super.rope(x, positions, invFreq, { ...options, attentionScaling: 1 });
  }
}

class SlightlyOffSoftmax extends CpuBackend {
  override softmax(x: Tensor): Tensor {
    const out = super.softmax(x);
    const data = hostData(out) as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] = data[i]! * (1 + 1e-4);
    return out;
  }
}

class NoHalfWeights extends CpuBackend {
  override supports(op: OpName, inputs: readonly OpInput[]): boolean {
    return !inputs.map(dtypeOf).includes('float16') && super.supports(op, inputs);
  }
}

/** A device limit: rows of more than 1000 elements (supports() sees the shapes of the case's inputs). */
class ShortRowsOnly extends CpuBackend {
  override supports(op: OpName, inputs: readonly OpInput[]): boolean {
    return inputs.every((i) => typeof i === 'string' || (i.shape.at(-1) ?? 0) <= 1000) && super.supports(op, inputs);
  }
}

class Broken extends CpuBackend {
  override add(): Tensor {
    throw new Error('kernel crashed');
  }
  override argmax(x: Tensor): Tensor {
    return super.argmax(x).view([...x.shape.slice(0, -1), 1]);
  }
  override siluMul(gate: Tensor, up: Tensor): Tensor {
    const out = super.siluMul(gate, up);
    (hostData(out) as Float32Array)[0] = NaN;
    return out;
  }
}

describe('runOpCase', () => {
  it('passes the reference against itself', async () => {
    const results = await runConformance(new CpuBackend(), reference, casesOf('linear'));
    expect(results.every((r) => r.status === 'pass' && r.error === 0)).toBe(true);
  });

  it('fails a linear that drops the bias, only on the cases with a bias', async () => {
    for (const result of await runConformance(new DropsBias(), reference, casesOf('linear'))) {
      expect(result.status, result.case.name).toBe('bias' in result.case.shapes ? 'fail' : 'pass');
    }
  });

  it('fails an attention that ignores the padding mask, only on the masked cases', async () => {
    for (const result of await runConformance(new IgnoresMask(), reference, casesOf('attention'))) {
      expect(result.status, result.case.name).toBe('mask' in result.case.shapes ? 'fail' : 'pass');
    }
  });

  it('fails a rope that ignores attentionScaling where it is not 1', async () => {
    for (const result of await runConformance(new IgnoresRopeScaling(), reference, casesOf('rope'))) {
      expect(result.status, result.case.name).toBe(result.case.params.attentionScaling !== 1 ? 'fail' : 'pass');
    }
  });

  it('enforces the bound: a relative error of 1e-4 fails a 1e-6 bound', async () => {
    const result = await runOpCase(new SlightlyOffSoftmax(), reference, casesOf('softmax')[0]!);
    expect(result.status).toBe('fail');
    expect(result.error).toBeCloseTo(1e-4, 6);
  });

  it('reports what a backend does not support as unsupported, never as a pass', async () => {
    const results = await runConformance(new NoHalfWeights(), reference);
    const half = results.filter((r) => r.case.dtypes.includes('float16'));
    expect(half.length).toBeGreaterThan(5);
    for (const r of half) {
      expect(r.status).toBe('unsupported');
      expect(r.error).toBeNaN();
    }
    expect(results.filter((r) => !r.case.dtypes.includes('float16')).every((r) => r.status === 'pass')).toBe(true);
  });

  it('asks supports() with the case\'s shapes, so a device limit is reported as unsupported', async () => {
    const results = await runConformance(new ShortRowsOnly(), reference, casesOf('rmsNorm'));
    const long = results.filter((r) => Object.values(r.case.shapes).some((shape) => shape.at(-1)! > 1000));
    expect(long.length).toBeGreaterThan(0);
    expect(long.every((r) => r.status === 'unsupported')).toBe(true);
    expect(results.filter((r) => !long.includes(r)).every((r) => r.status === 'pass')).toBe(true);
  });

  it('fails a kernel that throws, returns the wrong shape, or returns NaN', async () => {
    const backend = new Broken();
    const thrown = await runOpCase(backend, reference, casesOf('add')[0]!);
    expect(thrown).toMatchObject({ status: 'fail', message: expect.stringContaining('kernel crashed') });
    const shaped = await runOpCase(backend, reference, casesOf('argmax')[0]!);
    expect(shaped).toMatchObject({ status: 'fail', message: expect.stringContaining('expected [4] int32') });
    const nan = await runOpCase(backend, reference, casesOf('siluMul')[0]!);
    expect(nan.status).toBe('fail');
    expect(nan.error).toBeNaN();
  });
});
