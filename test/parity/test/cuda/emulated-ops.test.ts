// The edges of the native kernels (native/kernels/*.cu) that the op-conformance table does not reach, on the CUDA
// backend's TypeScript layer over an emulated device; expected values are worked out by hand from the kernels' rules,
// or come from the cpu backend and plain loops (never from the emulator's own messages: its argument errors are the
// bad-arguments table's, run on every backend by test/bad-arguments.test.ts).
import { type Backend, type TypedArray, bfloat16ToFloat32, float16ToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { SeededRandom, relativeError } from '@cria/core/testing';
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { BOUND } from '@cria/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CudaBackend, DTYPE_CODE, type DevicePtr } from '@cria/kernels-cuda';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { addRmsNormChecks, graphLinearSiluMulCheck, linearSiluMulShapeChecks, rankCheck } from '../../src/cuda/device-checks.js';

let backend: CudaBackend;
afterEach(() => backend?.dispose());

const ptr = (t: { storage: { handle: unknown } }): DevicePtr => t.storage.handle as DevicePtr;
const f32 = (values: number[], shape = [values.length]) => backend.upload(Float32Array.from(values), shape, 'float32');
const i32 = (values: number[], shape = [values.length]) => backend.upload(Int32Array.from(values), shape, 'int32');
const read = async (t: Parameters<CudaBackend['read']>[0]): Promise<number[]> => Array.from((await backend.read(t)) as ArrayLike<number>);

describe('cuda backend (TypeScript layer) over an emulated device: kernel edges', () => {
  it('argmax and topk rank NaN above every number (as torch and the cpu backend), lower index first on ties', async () => {
    backend = createEmulatedCudaBackend();
    const x = f32([NaN, 1, 3, 3, NaN, /* row 2 */ NaN, NaN, NaN, NaN, NaN, /* row 3 */ -Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [3, 5]);
    expect(await read(backend.argmax(x))).toEqual([0, 0, 0]);
    const { values, indices } = backend.topk(x, 4);
    expect(await read(values)).toEqual([NaN, NaN, 3, 3, NaN, NaN, NaN, NaN, -Infinity, -Infinity, -Infinity, -Infinity]);
    expect(await read(indices)).toEqual([0, 4, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    const finite = f32([1, 5, 2, 5, -1], [1, 5]);
    expect(await read(backend.argmax(finite))).toEqual([1]);
    const top = backend.topk(finite, 5);
    expect(await read(top.indices)).toEqual([1, 3, 2, 0, 4]);
  });

  it('argmax / topk over a block-sized row with NaNs and ties keep the cpu order (device-checks rankCheck)', async () => {
    backend = createEmulatedCudaBackend();
    const check = await rankCheck(backend);
    expect(check.error, check.name).toBe(0);
  });

  it('addRmsNorm over model-width rows agrees with plain loops (device-checks addRmsNormChecks)', async () => {
    backend = createEmulatedCudaBackend();
    const checks = [
      ...(await addRmsNormChecks(backend, 7, 4096, 'bfloat16', 1e-5, 27)),
      ...(await addRmsNormChecks(backend, 3, 2048, 'float16', 1e-6, 28)),
      ...(await addRmsNormChecks(backend, 2, 3001, 'float32', 1e-5, 29)),
    ];
    expect(checks).toHaveLength(6);
    for (const c of checks) expect(c.error, c.name).toBeLessThanOrEqual(c.bound);
  });

  it('addRmsNorm writes the sums even where they alias an input (in place on the residual), and normed from them', async () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const a = f32([3, 0, -1, 4], [2, 2]);
    const b = f32([0, 4, 2, -1], [2, 2]);
    const w = f32([1, 2]);
    const normed = backend.zeros([2, 2], 'float32');
    // sum written over a: rows [3, 4] (rms sqrt(12.5)) and [1, 3] (rms sqrt(5)); eps 0.
    ctx.addRmsNorm(ptr(a), ptr(b), DTYPE_CODE.float32, ptr(w), ptr(a), ptr(normed), 2, 2, 0);
    expect(await read(a)).toEqual([3, 4, 1, 3]);
    const got = await read(normed);
    const want = [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5), 1 / Math.sqrt(5), 6 / Math.sqrt(5)];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('linearSiluMul agrees with the cpu backend for rows 1..9 and 13, odd widths, with and without biases, on both routes', async () => {
    backend = createEmulatedCudaBackend();
    const cpu = await createCpuBackend();
    const fused = vi.spyOn(backend.context, 'linearSiluMul');
    type Float = 'float32' | 'float16' | 'bfloat16';
    const host = (values: Float32Array, dtype: Float) => (dtype === 'float32' ? values : dtype === 'float16' ? float32ArrayToFloat16(values) : float32ArrayToBfloat16(values));
    // [K, M, weight dtype, bias dtype]: 77 float16 and 36 bfloat16 are not whole 16-byte loads (composed at any row count).
    const widths: [number, number, Float, Float | undefined][] = [[64, 33, 'bfloat16', undefined], [24, 7, 'float32', 'float16'], [40, 9, 'float16', 'bfloat16'], [77, 5, 'float16', 'float32'], [36, 11, 'bfloat16', undefined]];
    let seed = 100;
    for (const rows of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13]) {
      for (const [k, m, dtype, biasDtype] of widths) {
        const random = new SeededRandom(seed++);
        const data = { x: random.floats(rows * k, 1), gate: host(random.floats(m * k, 0.3), dtype), up: host(random.floats(m * k, 0.3), dtype), gateBias: biasDtype && host(random.floats(m, 1), biasDtype), upBias: biasDtype && host(random.floats(m, 1), biasDtype) };
        const run = async (b: Backend) => {
          const up = (values: TypedArray | undefined, shape: number[], d: Float | undefined) => (values && d ? b.upload(values, shape, d) : undefined);
          const out = b.linearSiluMul(b.upload(data.x, [rows, k], 'float32'), up(data.gate, [m, k], dtype)!, up(data.up, [m, k], dtype)!, up(data.gateBias, [m], biasDtype), up(data.upBias, [m], biasDtype));
          expect(out.shape).toEqual([rows, m]);
          return (await b.read(out)) as Float32Array;
        };
        const calls = fused.mock.calls.length;
        const [got, want] = [await run(backend), await run(cpu)];
        const where = `rows ${rows} K ${k} M ${m} ${dtype} bias ${biasDtype ?? 'none'}`;
        expect(relativeError(got, want), where).toBeLessThanOrEqual(BOUND.reduction);
        const wholeLoads = k % (dtype === 'float32' ? 4 : 8) === 0;
        expect(fused.mock.calls.length - calls, `${where}: gated matvec calls`).toBe(rows <= 8 && wholeLoads ? 1 : 0);
      }
    }
    cpu.dispose();
  });

  it('linearSiluMul at model MLP shapes and under CUDA graph replay agrees with plain loops (device-checks linearSiluMulShapeChecks, graphLinearSiluMulCheck)', async () => {
    backend = createEmulatedCudaBackend();
    const checks = [...(await linearSiluMulShapeChecks(backend)), await graphLinearSiluMulCheck(backend)];
    // 3 shapes on the gated matvec (plain loops and the composition), 2 composed, 1 graph replay.
    expect(checks.map((c) => c.name.split(':')[0]!.split(' x[')[0])).toEqual([
      ...Array(6).fill('linearSiluMul gated matvec'),
      'linearSiluMul linear, linear, siluMul',
      'linearSiluMul linear, linear, siluMul',
      'CUDA graph',
    ]);
    for (const c of checks) expect(c.error, c.name).toBeLessThanOrEqual(c.bound);
  });

  it('embedding gives a zero row for an id outside [0, vocab)', async () => {
    backend = createEmulatedCudaBackend();
    const weight = f32([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(await read(backend.embedding(weight, i32([-1, 2, 3, 0])))).toEqual([0, 0, 5, 6, 0, 0, 1, 2]);
  });

  it('kvWriteAt writes nothing where the device offset puts the rows outside the cache', async () => {
    backend = createEmulatedCudaBackend();
    const cache = backend.zeros([1, 1, 3, 2], 'float32');
    const src = f32([7, 8, 9, 10], [1, 2, 2]);
    for (const at of [-1, 2, 3]) backend.kvWriteAt(cache, src, i32([at]));
    expect(await read(cache)).toEqual([0, 0, 0, 0, 0, 0]);
    backend.kvWriteAt(cache, src, i32([1]));
    expect(await read(cache)).toEqual([0, 0, 7, 8, 9, 10]);
  });

  it('kvWrite narrows into half caches, rounding to nearest even', async () => {
    backend = createEmulatedCudaBackend();
    // 1 + 2^-11 is halfway between float16 neighbours 1 and 1 + 2^-10: it rounds to the even one, 1.
    // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: the even one is 1 + 2^-9.
    const cache16 = backend.zeros([1, 1, 1, 2], 'float16');
    backend.kvWrite(cache16, f32([1 + 2 ** -11, 1 + 3 * 2 ** -11], [1, 1, 2]), 0);
    expect((await read(cache16)).map(float16ToFloat32)).toEqual([1, 1 + 2 ** -9]);
    const cache16b = backend.zeros([1, 1, 1, 2], 'bfloat16');
    backend.kvWrite(cache16b, f32([1 + 2 ** -8, 1 + 3 * 2 ** -8], [1, 1, 2]), 0);
    expect((await read(cache16b)).map(bfloat16ToFloat32)).toEqual([1, 1 + 2 ** -6]);
  });

  it('attentionAt clamps the device kvLength to [S, maxLength] and reads a [B, maxLength] mask up to it', async () => {
    backend = createEmulatedCudaBackend();
    const [numHeads, numKvHeads, headDim, maxLength] = [1, 1, 2, 4];
    const options = { numHeads, numKvHeads, headDim, scale: 1 };
    // Keys all equal: every visible slot gets the same weight, so the output is the mean of the visible values.
    const k = f32([1, 0, 1, 0, 1, 0, 1, 0], [1, 1, maxLength, headDim]);
    const v = f32([1, 10, 2, 20, 3, 30, 4, 40], [1, 1, maxLength, headDim]);
    const q = f32([1, 1], [1, 1, 2]);
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([0]) }))).toEqual([1, 10]); // clamped to 1: slot 0
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([3]) }))).toEqual([2, 20]); // slots 0..2
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([99]) }))).toEqual([2.5, 25]); // clamped to 4
    // Mask over maxLength slots: slot 1 masked, slot 3 (past kvLength 3) ignored whatever it says.
    const mask = f32([1, 0, 1, 1], [1, maxLength]);
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([3]), mask }))).toEqual([2, 20]);
    const onlyFirst = f32([1, 0, 0, 1], [1, maxLength]);
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([3]), mask: onlyFirst }))).toEqual([1, 10]);
    // A query that sees no key gives zeros.
    const none = f32([0, 0, 0, 1], [1, maxLength]);
    expect(await read(backend.attentionAt(q, k, v, { ...options, kvLength: i32([2]), mask: none }))).toEqual([0, 0]);
  });

  it('cast: float -> int32 toward zero, saturating, NaN -> 0; int32 -> half through float32 (two roundings)', async () => {
    backend = createEmulatedCudaBackend();
    expect(await read(backend.cast(f32([NaN, 3.9, -3.9, 3e9, -3e9, Infinity]), 'int32'))).toEqual([0, 3, -3, 2147483647, -2147483648, 2147483647]);
    // 2^24 + 1 is not a float32: it rounds to 2^24 (even).
    expect(await read(backend.cast(i32([2 ** 24 + 1]), 'float32'))).toEqual([2 ** 24]);
    // 2^24 + 2^16 + 1: directly to bfloat16 it would round up to 2^24 + 2^17; through float32 it first becomes
    // 2^24 + 2^16 (a tie, to even), which is then a bfloat16 tie that rounds to the even 2^24.
    expect((await read(backend.cast(i32([2 ** 24 + 2 ** 16 + 1]), 'bfloat16'))).map(bfloat16ToFloat32)).toEqual([2 ** 24]);
    // 2049 is a float16 tie between 2048 and 2050: to the even 2048.
    expect((await read(backend.cast(i32([2049, -2049]), 'float16'))).map(float16ToFloat32)).toEqual([2048, -2048]);
  });

  it('linear with in_features 0 gives the bias', async () => {
    backend = createEmulatedCudaBackend();
    const x = backend.zeros([2, 0], 'float32');
    const w = backend.zeros([3, 0], 'float32');
    expect(await read(backend.linear(x, w, f32([1, -2, 3])))).toEqual([1, -2, 3, 1, -2, 3]);
    expect(await read(backend.linear(x, w))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('linear, rmsNorm and attention widen bfloat16 / float16 operands exactly', async () => {
    backend = createEmulatedCudaBackend();
    // bfloat16 bits 0x3fc0 = 1.5, 0xc000 = -2; float16 bits 0x3c00 = 1, 0x4200 = 3.
    const wBf16 = backend.upload(Uint16Array.of(0x3fc0, 0xc000), [1, 2], 'bfloat16');
    expect(await read(backend.linear(f32([2, 1], [1, 2]), wBf16))).toEqual([1]);
    const gF16 = backend.upload(Uint16Array.of(0x3c00, 0x4200), [2], 'float16');
    // rms of [3, 4] is sqrt(12.5); eps 0.
    const norm = await read(backend.rmsNorm(f32([3, 4], [1, 2]), gF16, 0));
    expect(norm[0]).toBeCloseTo(3 / Math.sqrt(12.5), 6);
    expect(norm[1]).toBeCloseTo((3 * 4) / Math.sqrt(12.5), 6);
  });

  it('uploads at a byte offset, and timers measure host time between points of the stream', async () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const t = backend.zeros([4], 'float32');
    ctx.upload(ptr(t), Float32Array.of(5, 6), 8);
    expect(await read(t)).toEqual([0, 0, 5, 6]);
    const a = ctx.recordTimer();
    const b = ctx.recordTimer();
    expect(ctx.timeSince(a, b)).toBeGreaterThanOrEqual(0);
    expect(() => ctx.timeSince(a, 7)).toThrow(RangeError);
    backend.beginCapture();
    expect(() => ctx.recordTimer()).toThrow(/recordTimer \(timing events\) during CUDA graph capture is not allowed/);
    backend.endCapture().dispose();
  });
});
