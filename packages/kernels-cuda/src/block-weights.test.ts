// llama.cpp block-format weights on the CUDA backend over the emulated device (src/emulated/block-kernels.ts, which
// mirrors native/kernels/block_weights.cu's launch and native/block_decode.cuh's decoding): linear, embedding,
// linearSiluMul and linearMany against float64 loops over core's dequantize (test/block-weight-cases.ts); the routing
// to the block kernels over a recording context; supports(); and the launch checks.
import { ArgumentError, QUANT_DTYPES, type QuantDType, UnsupportedOpError, quantBlock } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { blockWeight, runBlockWeightCases, TOLERANCE } from '../test/block-weight-cases.js';
import { recordingContext } from '../test/recording-context.js';
import { CudaBackend } from './backend.js';
import { BLOCK_FORMAT_CODE, DTYPE_CODE } from './binding.js';
import { CUDA_BLOCK_FORMATS } from './block-weights.js';
import { createEmulatedContext, createEmulatedCudaBackend } from './testing.js';

const INFO = { name: 'recording', computeCapability: '9.0', totalMemory: 0, multiProcessorCount: 132 };

describe('block-format weights on the emulated CUDA device', () => {
  it('implements every block format of core', () => {
    expect([...CUDA_BLOCK_FORMATS].sort()).toEqual([...QUANT_DTYPES].sort());
  });

  for (const format of CUDA_BLOCK_FORMATS) {
    it(`${format}: linear (rows 1, 3, 33), embedding, linearSiluMul, linearMany against core's dequantize`, async () => {
      const backend = createEmulatedCudaBackend();
      const results = await runBlockWeightCases(backend, format);
      expect(results.length).toBeGreaterThan(20);
      for (const r of results) {
        if (r.exact !== undefined) expect(r.exact, r.name).toBe(true);
        else expect(r.error, r.name).toBeLessThanOrEqual(TOLERANCE);
      }
      backend.dispose();
    }, 60_000);
  }

  it('supports() says yes for embedding and the linear ops with each format, no elsewhere', () => {
    const backend = createEmulatedCudaBackend();
    for (const format of QUANT_DTYPES) {
      const k = quantBlock(format).blockElements;
      const w = { dtype: format, shape: [4, k] };
      const x = { dtype: 'float32' as const, shape: [1, k] };
      expect(backend.supports('linear', [x, w]), format).toBe(true);
      expect(backend.supports('linear', [x, w, { dtype: 'float16', shape: [4] }]), format).toBe(true);
      expect(backend.supports('embedding', [w, { dtype: 'int32', shape: [3] }]), format).toBe(true);
      expect(backend.supports('linearSiluMul', [x, w, w]), format).toBe(true);
      expect(backend.supports('linearMany', [x, w, w]), format).toBe(true);
      expect(backend.supports('rmsNorm', [x, { dtype: format, shape: [k] }]), format).toBe(false);
      expect(backend.supports('linear', [x, w, { dtype: format, shape: [4] }]), `${format} bias`).toBe(false);
    }
    backend.dispose();
  });

  it('uploads, zeros and reads block tensors by their byte size; refuses a wrong size or a partial block', async () => {
    const backend = createEmulatedCudaBackend();
    const { bytes } = blockWeight('q4_k', 3, 512, 9);
    expect(bytes.length).toBe(3 * 2 * 144);
    const t = backend.upload(bytes, [3, 512], 'q4_k');
    expect(t.byteLength).toBe(bytes.length);
    expect(Array.from((await backend.read(t)) as Uint8Array)).toEqual(Array.from(bytes));
    const z = backend.zeros([2, 64], 'q8_0');
    expect(z.byteLength).toBe(2 * 2 * 34);
    expect(((await backend.read(z)) as Uint8Array).every((b) => b === 0)).toBe(true);
    expect(() => backend.upload(bytes.subarray(1), [3, 512], 'q4_k')).toThrow(ArgumentError);
    expect(() => backend.zeros([2, 100], 'q4_0')).toThrow(/multiple of 32/);
    for (const u of [t, z]) u.dispose();
    backend.dispose();
  });

  it('refuses block weights in ops that do not take them (UnsupportedOpError)', () => {
    const backend = createEmulatedCudaBackend();
    const x = backend.zeros([1, 32], 'float32');
    const w = backend.zeros([32], 'q8_0');
    expect(() => backend.rmsNorm(x, w, 1e-5)).toThrow(UnsupportedOpError);
    for (const u of [x, w]) u.dispose();
    backend.dispose();
  });
});

describe('block-format weights over a recording context (what reaches the native calls)', () => {
  const h = (t: { storage: { handle: unknown } }) => t.storage.handle;

  it('linear calls blockLinear with the format code for any rows (K = 0 included); embedding blockEmbedding', () => {
    const ctx = recordingContext();
    const backend = new CudaBackend(ctx, INFO);
    const ops = () => ctx.calls.filter((c) => c.method !== 'zero');
    const formats: QuantDType[] = ['q8_0', 'q6_k'];
    for (const format of formats) {
      const k = quantBlock(format).blockElements * 2;
      const w = backend.zeros([5, k], format);
      const bias = backend.zeros([5], 'bfloat16');
      for (const rows of [1, 9, 40]) {
        ctx.calls.length = 0;
        const x = backend.zeros([rows, k], 'float32');
        const y = backend.linear(x, w, bias);
        expect(ops().map((c) => c.method)).toEqual(['blockLinear']);
        expect(ops()[0]!.args).toEqual([h(x), BLOCK_FORMAT_CODE[format], h(w), DTYPE_CODE.bfloat16, h(bias), h(y), rows, k, 5]);
      }
      ctx.calls.length = 0;
      const ids = backend.zeros([2, 3], 'int32');
      const e = backend.embedding(w, ids);
      expect(e.shape).toEqual([2, 3, k]);
      expect(ops()[0]!.args).toEqual([BLOCK_FORMAT_CODE[format], h(w), h(ids), h(e), 6, 5, k]);
    }
    ctx.calls.length = 0;
    const y0 = backend.linear(backend.zeros([2, 0], 'float32'), backend.zeros([3, 0], 'q4_0'));
    expect(ops().map((c) => c.method)).toEqual(['blockLinear']);
    expect(ops()[0]!.args.slice(6)).toEqual([2, 0, 3]);
    expect(y0.shape).toEqual([2, 3]);
  });

  it('linearSiluMul is blockLinear, blockLinear, siluMul; linearMany blockLinear per weight (decode rows too)', () => {
    const ctx = recordingContext();
    const backend = new CudaBackend(ctx, INFO);
    const ops = () => ctx.calls.filter((c) => c.method !== 'zero').map((c) => c.method);
    const x = backend.zeros([1, 256], 'float32');
    const [g, u] = [backend.zeros([8, 256], 'q4_k'), backend.zeros([8, 256], 'q4_k')];
    ctx.calls.length = 0;
    backend.linearSiluMul(x, g, u);
    expect(ops()).toEqual(['blockLinear', 'blockLinear', 'siluMul']);
    ctx.calls.length = 0;
    const outs = backend.linearMany(x, [g, u, g]);
    expect(outs).toHaveLength(3);
    expect(ops()).toEqual(['blockLinear', 'blockLinear', 'blockLinear']);
  });
});

describe('the emulated block launches', () => {
  it('refuse a K or hidden that is not whole blocks and an unknown format code, as the native launchers do', () => {
    const ctx = createEmulatedContext();
    const [x, w, out, ids] = [ctx.alloc(4096), ctx.alloc(4096), ctx.alloc(4096), ctx.alloc(64)];
    expect(() => ctx.blockLinear(x, BLOCK_FORMAT_CODE.q4_k, w, -1, null, out, 1, 96, 2)).toThrow(/CUDA blockLinear failed: cudaErrorInvalidValue/);
    expect(() => ctx.blockLinear(x, BLOCK_FORMAT_CODE.q4_0, w, -1, null, out, 1, 96, 2)).not.toThrow();
    expect(() => ctx.blockLinear(x, 8, w, -1, null, out, 1, 96, 2)).toThrow(RangeError);
    expect(() => ctx.blockEmbedding(BLOCK_FORMAT_CODE.q6_k, w, ids, out, 1, 2, 32)).toThrow(/CUDA blockEmbedding failed: cudaErrorInvalidValue/);
    expect(() => ctx.blockLinear(x, BLOCK_FORMAT_CODE.q4_k, w, -1, null, out, 0, 96, 2)).not.toThrow(); // nothing to launch
    ctx.dispose();
  });
});
