// linearMany on the CUDA backend's TypeScript layer over a recording native context (no GPU needed): what reaches
// the segmented matvec, where it runs linear per weight instead, the argument checks, and memory ownership.
import { HOST, UnsupportedOpError, hostTensor } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test/recording-context.js';
import { CudaBackend } from './backend.js';
import { DTYPE_CODE } from './binding.js';

const INFO = { name: 'recording', computeCapability: '9.0', totalMemory: 0, multiProcessorCount: 132 };

function setup() {
  const ctx = recordingContext();
  const backend = new CudaBackend(ctx, INFO);
  const f32 = (shape: number[]) => backend.zeros(shape, 'float32');
  const ops = () => ctx.calls.filter((c) => c.method !== 'zero');
  return { ctx, backend, f32, ops };
}

const h = (t: { storage: { handle: unknown } }) => t.storage.handle;

describe('CudaBackend.linearMany over a recording context', () => {
  it('sends decode rows to one segmented matvec launch: weights, biases, outputs and Ms as arrays, rows and K', () => {
    const { ctx, backend, f32, ops } = setup();
    const x = f32([2, 3, 64]);
    const weights = [backend.zeros([96, 64], 'bfloat16'), backend.zeros([32, 64], 'bfloat16'), backend.zeros([32, 64], 'bfloat16')];
    const biases = [96, 32, 32].map((m) => backend.zeros([m], 'float16'));
    const live = ctx.live.size;
    const outs = backend.linearMany(x, weights, biases);
    expect(outs.map((o) => [o.shape, o.dtype])).toEqual([[[2, 3, 96], 'float32'], [[2, 3, 32], 'float32'], [[2, 3, 32], 'float32']]);
    expect(ctx.live.size).toBe(live + 3);
    expect(ops().map((c) => c.method)).toEqual(['linearMany']);
    expect(ops()[0]!.args).toEqual([h(x), DTYPE_CODE.bfloat16, weights.map(h), DTYPE_CODE.float16, biases.map(h), outs.map(h), [96, 32, 32], 6, 64]);
    ctx.calls.length = 0;
    const [single] = backend.linearMany(f32([1, 36]), [f32([40, 36])]); // float32: 36 is 9 loads of 16 bytes
    expect(single!.shape).toEqual([1, 40]);
    expect(ops()[0]!.args.slice(3)).toEqual([-1, null, [h(single!)], [40], 1, 36]);
  });

  it('runs linear per weight where the segmented matvec would not (9 rows; K not whole 16-byte loads; 5 weights)', () => {
    const { ctx, backend, f32, ops } = setup();
    const cases: [number[], number, 'float32' | 'float16' | 'bfloat16', number][] = [
      [[9, 64], 64, 'bfloat16', 3],
      [[3, 3, 64], 64, 'float32', 2],
      [[1, 36], 36, 'float16', 3], // 36 float16 = 4.5 loads of 16 bytes
      [[1, 64], 64, 'float16', 5], // more weights than the launch's segments
    ];
    for (const [xShape, k, dtype, count] of cases) {
      const ms = Array.from({ length: count }, (_, i) => 8 * (i + 1));
      const weights = ms.map((m) => backend.zeros([m, k], dtype));
      const biases = ms.map((m) => f32([m]));
      const x = f32(xShape);
      ctx.calls.length = 0;
      const live = ctx.live.size;
      const outs = backend.linearMany(x, weights, biases);
      const where = `${xShape} ${dtype} x${count}`;
      expect(ctx.live.size, where).toBe(live + count);
      expect(ops().map((c) => c.method), where).toEqual(Array(count).fill('linear'));
      ops().forEach((c, i) => expect([c.args[2], c.args[4], c.args[5], c.args[8]], where).toEqual([h(weights[i]!), h(biases[i]!), h(outs[i]!), ms[i]]));
      expect(outs.map((o) => o.shape), where).toEqual(ms.map((m) => [...xShape.slice(0, -1), m]));
    }
  });

  it('frees the outputs it allocated when the launch fails', () => {
    const { ctx, backend, f32 } = setup();
    ctx.linearMany = () => {
      throw new Error('CUDA linearMany failed: cudaErrorInvalidValue');
    };
    const x = f32([1, 64]);
    const weights = [f32([16, 64]), f32([8, 64])];
    const live = ctx.live.size;
    expect(() => backend.linearMany(x, weights)).toThrow(/CUDA linearMany failed/);
    expect(ctx.live.size).toBe(live);
  });

  it('rejects bad weights and biases, naming the argument and what was expected; allocates and launches nothing', () => {
    const { ctx, backend, f32 } = setup();
    const x = f32([2, 64]);
    const [q, k, v] = [f32([96, 64]), f32([32, 64]), f32([32, 64])];
    const [bq, bk, bv] = [f32([96]), f32([32]), f32([32])];
    const [bf16K, narrowK, flatK, f16Bv, shortBk, intQ, intK, halfX, narrowX] = [backend.zeros([32, 64], 'bfloat16'), f32([32, 63]), f32([32]), backend.zeros([32], 'float16'), f32([31]), backend.zeros([96, 64], 'int32'), backend.zeros([32, 64], 'int32'), backend.zeros([2, 64], 'float16'), f32([2, 63])];
    const host = hostTensor(new Float32Array(64 * 32), [32, 64], 'float32', HOST);
    const made = ctx.live.size;
    expect(() => backend.linearMany(x, [])).toThrow(/linearMany: weights must be a non-empty array of tensors, got an empty array/);
    expect(() => backend.linearMany(x, q as never)).toThrow(/linearMany: weights must be a non-empty array of tensors, got object/);
    expect(() => backend.linearMany(x, [q, k, v], [bq, bk])).toThrow(/linearMany: biases must hold one tensor for each of the 3 weights, or be left out, got 2/);
    expect(() => backend.linearMany(x, [q, k, v], bq as never)).toThrow(/linearMany: biases must hold one tensor for each of the 3 weights, or be left out, got object/);
    expect(() => backend.linearMany(x, [q, bf16K, v])).toThrow(/linearMany' for dtypes .*: weights\[1\] is bfloat16; it must have weights\[0\]'s dtype \(float32\)/);
    expect(() => backend.linearMany(x, [q, k, narrowK])).toThrow(/linearMany: x \[2, 64\] float32 must have 63 \(weights\[2\]'s in_features/);
    expect(() => backend.linearMany(x, [q, flatK])).toThrow(/linearMany: weights\[1\] \[32\] float32 must have rank 2 \(\[out_features, in_features\]\)/);
    expect(() => backend.linearMany(narrowX, [q, k])).toThrow(/linearMany: x \[2, 63\] float32 must have 64 \(weights\[0\]'s in_features/);
    expect(() => backend.linearMany(x, [q, k, v], [bq, bk, f16Bv])).toThrow(/biases\[2\] is float16; it must have biases\[0\]'s dtype \(float32\)/);
    expect(() => backend.linearMany(x, [q, k, v], [bq, shortBk, bv])).toThrow(/linearMany: biases\[1\] \[31\] float32 must have 32 \(weights\[1\]'s out_features/);
    expect(() => backend.linearMany(x, [q, host])).toThrow(/linearMany: weights\[1\] \[32, 64\] float32 is on 'cpu'/);
    expect(() => backend.linearMany(x, [q, k], [bq, {} as never])).toThrow(/linearMany: biases\[1\] must be a Tensor/);
    expect(() => backend.linearMany(halfX, [q, k])).toThrow(UnsupportedOpError);
    expect(() => backend.linearMany(x, [intQ, intK])).toThrow(UnsupportedOpError);
    expect(ctx.calls.some((c) => ['linearMany', 'linear'].includes(c.method))).toBe(false);
    expect(ctx.live.size).toBe(made);
  });
});
