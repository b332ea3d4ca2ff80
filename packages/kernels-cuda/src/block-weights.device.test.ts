// The block-format weight checks of src/block-weights.test.ts on a real GPU (native/kernels/block_weights.cu): linear
// (rows 1, 3, 33), embedding (bit-exact), linearSiluMul and linearMany for every format, against float64 loops over
// core's dequantize, plus a captured-and-replayed block linear. Skipped, with the probe's reason, where CUDA cannot
// start (no addon built, no device).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M, TOLERANCE, blockWeight, randomFloats, reference, runBlockWeightCases } from '../test/block-weight-cases.js';
import type { CudaBackend } from './backend.js';
import { CUDA_BLOCK_FORMATS } from './block-weights.js';
import { createBackend, probe } from './index.js';
import { relativeError } from '@cria/core/testing';

const probed = await probe();
const title = probed.available ? 'block-format weights on the CUDA device' : `block-format weights on the CUDA device (skipped: ${probed.reason})`;

describe.skipIf(!probed.available)(title, () => {
  let backend: CudaBackend;
  beforeAll(async () => {
    backend = (await createBackend()) as CudaBackend;
  });
  afterAll(() => backend?.dispose());

  for (const format of CUDA_BLOCK_FORMATS) {
    it(`${format}: linear (rows 1, 3, 33), embedding, linearSiluMul, linearMany against core's dequantize`, async () => {
      const results = await runBlockWeightCases(backend, format);
      for (const r of results) {
        if (r.exact !== undefined) expect(r.exact, r.name).toBe(true);
        else expect(r.error, r.name).toBeLessThanOrEqual(TOLERANCE);
      }
    }, 120_000);
  }

  it('large shapes: q4_k [4096, 4096] decode and 70-row prefill; q8_0 embedding [32000, 2048]', async () => {
    const [m, k] = [4096, 4096];
    const w = blockWeight('q4_k', m, k, 5);
    const weight = backend.upload(w.bytes, [m, k], 'q4_k');
    for (const rows of [1, 70]) {
      const xv = randomFloats(rows * k, rows);
      const x = backend.upload(xv, [rows, k], 'float32');
      const y = backend.linear(x, weight);
      expect(relativeError((await backend.read(y)) as Float32Array, reference(xv, w.values, undefined, rows, k, m)), `rows ${rows}`).toBeLessThanOrEqual(TOLERANCE);
      for (const t of [x, y]) t.dispose();
    }
    weight.dispose();
    const e = blockWeight('q8_0', 32000, 2048, 6);
    const table = backend.upload(e.bytes, [32000, 2048], 'q8_0');
    const ids = backend.upload(Int32Array.from([31999, 0, 12345]), [3], 'int32');
    const rows = (await backend.read(backend.embedding(table, ids))) as Float32Array;
    [31999, 0, 12345].forEach((id, i) => expect(rows.subarray(i * 2048, (i + 1) * 2048)).toEqual(e.values.subarray(id * 2048, (id + 1) * 2048)));
    for (const t of [table, ids]) t.dispose();
  }, 300_000);

  it('a block linear captured into a CUDA graph replays with new inputs', async () => {
    const k = 256;
    const w = blockWeight('q6_k', M, k, 8);
    const weight = backend.upload(w.bytes, [M, k], 'q6_k');
    const x = backend.zeros([1, k], 'float32');
    backend.beginCapture();
    const y = backend.linear(x, weight);
    const graph = backend.endCapture();
    for (const seed of [1, 2]) {
      const xv = randomFloats(k, seed);
      backend.write(x, xv);
      graph.replay();
      expect(relativeError((await backend.read(y)) as Float32Array, reference(xv, w.values, undefined, 1, k, M))).toBeLessThanOrEqual(TOLERANCE);
    }
    graph.dispose();
    for (const t of [x, y, weight]) t.dispose();
  }, 60_000);
});
