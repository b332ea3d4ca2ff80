// The table itself: well-formed rows, the coverage the suite promises, deterministic inputs.
import { describe, expect, it } from 'vitest';
import { OP_NAMES, QUANT_DTYPES, isQuantDType } from '@cria/core';
import { BOUND, INPUT_NAMES, OP_CASES, buildInputs } from '../src/index.js';

describe('OP_CASES', () => {
  it('has unique names and well-formed rows', () => {
    expect(new Set(OP_CASES.map((c) => c.name)).size).toBe(OP_CASES.length);
    for (const c of OP_CASES) {
      const names = Object.keys(c.shapes);
      const known = INPUT_NAMES[c.op];
      for (const name of names) expect(known, `${c.name}: input ${name}`).toContain(name);
      // Inputs present come in the op's argument order, its first argument among them (optional ones may be left out:
      // trailing ones, and linearMany's third weight and its biases).
      expect(known.filter((n) => names.includes(n)), c.name).toEqual(names);
      expect(names[0], c.name).toBe(known[0]);
      if (c.op !== 'linearMany') expect(known.slice(0, names.length), c.name).toEqual(names);
      expect(c.dtypes.length, c.name).toBe(c.op === 'cast' ? 2 : names.length);
      expect(c.bound, c.name).toBeGreaterThanOrEqual(0);
    }
  });

  it('covers every op, odd sizes, decode and prefill, GQA, masks with zeros, a past, and every weight dtype', () => {
    const ops = new Set(OP_CASES.map((c) => c.op));
    expect([...ops].sort()).toEqual([...OP_NAMES].sort());
    const dims = new Set(OP_CASES.flatMap((c) => Object.values(c.shapes).flat()));
    for (const odd of [77, 129]) expect(dims, `dimension ${odd}`).toContain(odd);
    const headDims = new Set(OP_CASES.filter((c) => c.op === 'attention' || c.op === 'rope').map((c) => c.params.headDim));
    for (const hd of [24, 64, 128]) expect(headDims, `headDim ${hd}`).toContain(hd);
    const attention = OP_CASES.filter((c) => c.op === 'attention');
    expect(attention.some((c) => c.shapes.q![1] === 1)).toBe(true);
    expect(attention.some((c) => c.shapes.q![1]! > 1)).toBe(true);
    expect(attention.some((c) => c.params.numHeads === 8 && c.params.numKvHeads === 2)).toBe(true);
    expect(attention.some((c) => (c.params.maskLeadingZeros ?? []).some((z) => z > 0))).toBe(true);
    expect(attention.some((c) => c.params.kvLength! > c.shapes.q![1]!)).toBe(true);
    for (const op of ['linear', 'embedding', 'rmsNorm'] as const) {
      const dtypes = new Set(OP_CASES.filter((c) => c.op === op).map((c) => c.dtypes[op === 'embedding' ? 0 : 1]));
      const given = [...dtypes].filter((d) => d !== undefined);
      expect(given.filter((d) => !isQuantDType(d)).sort(), op).toEqual(['bfloat16', 'float16', 'float32']);
      if (op !== 'rmsNorm') expect(given.filter((d) => isQuantDType(d)).sort(), op).toEqual([...QUANT_DTYPES].sort());
    }
    expect(OP_CASES.filter((c) => c.op === 'linear' || c.op === 'attention').every((c) => c.bound <= BOUND.reduction)).toBe(true);
  });

  it('builds the same inputs every time, and different inputs for different cases', () => {
    const [a, b] = [OP_CASES.find((c) => c.op === 'linear')!, OP_CASES.filter((c) => c.op === 'linear')[1]!];
    expect(buildInputs(a).get('x')!.data).toEqual(buildInputs(a).get('x')!.data);
    expect(Array.from(buildInputs(a).get('x')!.data.slice(0, 8) as Float32Array)).not.toEqual(Array.from(buildInputs(b).get('x')!.data.slice(0, 8) as Float32Array));
  });

  it('gives argmax / topk rows without ties', () => {
    for (const c of OP_CASES.filter((c) => c.op === 'argmax' || c.op === 'topk')) {
      const x = buildInputs(c).get('x')!.data as Float32Array;
      const n = c.shapes.x!.at(-1)!;
      for (let r = 0; r < x.length / n; r++) expect(new Set(x.subarray(r * n, (r + 1) * n)).size, c.name).toBe(n);
    }
  });
});
