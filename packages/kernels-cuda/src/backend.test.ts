// The TypeScript layer of the CUDA backend over a recording native context (no GPU needed): argument checks,
// what reaches the kernels, and memory ownership.
import { ArgumentError, DisposedError, HOST, UnsupportedOpError, hostTensor } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test/recording-context.js';
import { CudaBackend } from './backend.js';
import { DTYPE_CODE } from './binding.js';

const INFO = { name: 'recording', computeCapability: '9.0', totalMemory: 0, multiProcessorCount: 132 };

function setup() {
  const ctx = recordingContext();
  const backend = new CudaBackend(ctx, INFO);
  const f32 = (shape: number[]) => backend.zeros(shape, 'float32');
  const last = (method: string) => {
    const call = [...ctx.calls].reverse().find((c) => c.method === method);
    if (!call) throw new Error(`no ${method} call`);
    return call.args;
  };
  return { ctx, backend, f32, last };
}

describe('CudaBackend over a recording context', () => {
  it('linear passes rows, K and M and allocates [..., M] float32', () => {
    const { backend, f32, last } = setup();
    const x = f32([2, 3, 64]);
    const w = backend.zeros([96, 64], 'bfloat16');
    const out = backend.linear(x, w);
    expect(out.shape).toEqual([2, 3, 96]);
    expect(out.dtype).toBe('float32');
    const args = last('linear');
    expect(args[1]).toBe(DTYPE_CODE.bfloat16);
    expect(args[3]).toBe(-1);
    expect(args.slice(6)).toEqual([6, 64, 96]);
  });

  it('linear rejects mismatched in_features and names both shapes', () => {
    const { backend, f32 } = setup();
    expect(() => backend.linear(f32([2, 65]), f32([96, 64]))).toThrow(/linear: x \[2, 65\] float32 must have 64 \(weight's in_features/);
  });

  it('addRmsNorm passes rows, hidden and eps, allocates sum and normed as two float32 [..., H] tensors', () => {
    const { ctx, backend, f32, last } = setup();
    const a = f32([2, 3, 64]);
    const b = f32([2, 3, 64]);
    const w = backend.zeros([64], 'float16');
    const live = ctx.live.size;
    const { sum, normed } = backend.addRmsNorm(a, b, w, 1e-5);
    expect(ctx.live.size).toBe(live + 2);
    for (const t of [sum, normed]) {
      expect(t.shape).toEqual([2, 3, 64]);
      expect(t.dtype).toBe('float32');
    }
    expect(sum.storage.handle).not.toBe(normed.storage.handle);
    const args = last('addRmsNorm');
    expect(args.slice(0, 6)).toEqual([a.storage.handle, b.storage.handle, DTYPE_CODE.float16, w.storage.handle, sum.storage.handle, normed.storage.handle]);
    expect(args.slice(6)).toEqual([6, 64, 1e-5]);
    backend.addRmsNorm(f32([0, 64]), f32([0, 64]), w, 1e-5);
    expect(last('addRmsNorm').slice(6, 8)).toEqual([0, 64]);
  });

  it('addRmsNorm rejects mismatched shapes, a wrong weight length, a bad eps and unsupported dtypes, naming them', () => {
    const { ctx, backend, f32 } = setup();
    const [a, b, w] = [f32([2, 64]), f32([2, 64]), f32([64])];
    const [shortB, shortW, bf16B, intW, scalar] = [f32([1, 64]), f32([63]), backend.zeros([2, 64], 'bfloat16'), backend.zeros([64], 'int32'), f32([])];
    const host = hostTensor(new Float32Array(128), [2, 64], 'float32', HOST);
    const live = ctx.live.size;
    expect(() => backend.addRmsNorm(a, shortB, w, 1e-5)).toThrow(/addRmsNorm: a \[2, 64\] float32 and b \[1, 64\] float32 must have the same shape/);
    expect(() => backend.addRmsNorm(a, b, shortW, 1e-5)).toThrow(/addRmsNorm: weight \[63\] float32 must have shape \[64\] \(a's last dimension\)/);
    expect(() => backend.addRmsNorm(a, b, w, NaN)).toThrow(/addRmsNorm: eps must be a finite number >= 0, got NaN/);
    expect(() => backend.addRmsNorm(a, b, w, -1e-5)).toThrow(/addRmsNorm: eps must be a finite number >= 0, got -0.00001/);
    expect(() => backend.addRmsNorm(a, bf16B, w, 1e-5)).toThrow(UnsupportedOpError);
    expect(() => backend.addRmsNorm(a, b, intW, 1e-5)).toThrow(UnsupportedOpError);
    expect(() => backend.addRmsNorm(a, host, w, 1e-5)).toThrow(/addRmsNorm: b \[2, 64\] float32 is on 'cpu'/);
    expect(() => backend.addRmsNorm(scalar, scalar, w, 1e-5)).toThrow(/addRmsNorm: a \[\] float32 must have at least 1 dimension/);
    expect(ctx.calls.some((c) => c.method === 'addRmsNorm')).toBe(false);
    expect(ctx.live.size).toBe(live); // nothing allocated for a refused call
  });

  it('linearSiluMul sends decode rows to the gated matvec: one output [..., M] float32, both biases with their dtype', () => {
    const { ctx, backend, f32, last } = setup();
    const x = f32([2, 3, 64]);
    const [gate, up] = [backend.zeros([96, 64], 'bfloat16'), backend.zeros([96, 64], 'bfloat16')];
    const [gateBias, upBias] = [backend.zeros([96], 'float16'), backend.zeros([96], 'float16')];
    const live = ctx.live.size;
    const out = backend.linearSiluMul(x, gate, up, gateBias, upBias);
    expect(ctx.live.size).toBe(live + 1);
    expect(out.shape).toEqual([2, 3, 96]);
    expect(out.dtype).toBe('float32');
    const h = (t: { storage: { handle: unknown } }) => t.storage.handle;
    expect(last('linearSiluMul')).toEqual([h(x), DTYPE_CODE.bfloat16, h(gate), h(up), DTYPE_CODE.float16, h(gateBias), h(upBias), h(out), 6, 64, 96]);
    backend.linearSiluMul(f32([1, 64]), gate, up);
    expect(last('linearSiluMul').slice(4, 7)).toEqual([-1, null, null]);
    expect(last('linearSiluMul').slice(8)).toEqual([1, 64, 96]);
    expect(ctx.calls.some((c) => c.method === 'linear' || c.method === 'siluMul')).toBe(false);
  });

  it('linearSiluMul composes linear, linear, siluMul where the matvec would not run (9 rows; K not whole 16-byte loads), freeing both projections', () => {
    const { ctx, backend, f32 } = setup();
    const cases: [number[], number[], 'float32' | 'float16' | 'bfloat16'][] = [
      [[9, 64], [40, 64], 'bfloat16'],
      [[3, 3, 64], [40, 64], 'float32'],
      [[1, 36], [40, 36], 'float16'], // 36 float16 = 4.5 loads of 16 bytes
    ];
    for (const [xShape, wShape, dtype] of cases) {
      ctx.calls.length = 0;
      const [gate, up] = [backend.zeros(wShape, dtype), backend.zeros(wShape, dtype)];
      const [gateBias, upBias] = [f32([wShape[0]!]), f32([wShape[0]!])];
      const x = f32(xShape);
      const live = ctx.live.size;
      const out = backend.linearSiluMul(x, gate, up, gateBias, upBias);
      expect(out.shape).toEqual([...xShape.slice(0, -1), wShape[0]]);
      expect(ctx.live.size, `${xShape}`).toBe(live + 1);
      const ops = ctx.calls.filter((c) => c.method !== 'zero');
      expect(ops.map((c) => c.method)).toEqual(['linear', 'linear', 'siluMul']);
      const [g, u, silu] = ops as [(typeof ops)[0], (typeof ops)[0], (typeof ops)[0]];
      expect([g.args[2], g.args[4], u.args[2], u.args[4]]).toEqual([gate.storage.handle, gateBias.storage.handle, up.storage.handle, upBias.storage.handle]);
      expect(silu.args.slice(0, 3)).toEqual([g.args[5], u.args[5], out.storage.handle]);
    }
    // float32 weights load 4 per 16 bytes: K = 36 still runs the gated matvec.
    ctx.calls.length = 0;
    backend.linearSiluMul(f32([1, 36]), f32([40, 36]), f32([40, 36]));
    expect(ctx.calls.filter((c) => c.method !== 'zero').map((c) => c.method)).toEqual(['linearSiluMul']);
  });

  it('linearSiluMul rejects one bias alone, gate/up mismatches, a wrong K or bias length and unsupported dtypes, naming them', () => {
    const { ctx, backend, f32 } = setup();
    const x = f32([2, 64]);
    const [gate, up, bias] = [f32([96, 64]), f32([96, 64]), f32([96])];
    const host = hostTensor(new Float32Array(128), [2, 64], 'float32', HOST);
    const live = ctx.live.size;
    const [shortBias, wideUp, bf16Up, f16Bias, intGate, intUp, halfX] = [f32([95]), f32([97, 64]), backend.zeros([96, 64], 'bfloat16'), backend.zeros([96], 'float16'), backend.zeros([96, 64], 'int32'), backend.zeros([96, 64], 'int32'), backend.zeros([2, 64], 'float16')];
    const [narrowX, flatGate, flatUp] = [f32([2, 63]), f32([96]), f32([96])];
    const made = ctx.live.size;
    expect(() => backend.linearSiluMul(x, gate, up, bias)).toThrow(/linearSiluMul: gateBias and upBias must be given together, got gateBias alone/);
    expect(() => backend.linearSiluMul(x, gate, up, undefined, bias)).toThrow(/linearSiluMul: gateBias and upBias must be given together, got upBias alone/);
    expect(() => backend.linearSiluMul(x, gate, wideUp)).toThrow(/linearSiluMul: gate \[96, 64\] float32 and up \[97, 64\] float32 must have the same shape/);
    expect(() => backend.linearSiluMul(x, gate, bf16Up)).toThrow(/up is bfloat16; it must have gate's dtype \(float32\)/);
    expect(() => backend.linearSiluMul(x, gate, up, bias, f16Bias)).toThrow(/upBias is float16; it must have gateBias's dtype \(float32\)/);
    expect(() => backend.linearSiluMul(narrowX, gate, up)).toThrow(/linearSiluMul: x \[2, 63\] float32 must have 64 \(gate's in_features/);
    expect(() => backend.linearSiluMul(x, gate, up, shortBias, bias)).toThrow(/linearSiluMul: gateBias \[95\] float32 must have 96 \(gate's out_features/);
    expect(() => backend.linearSiluMul(x, gate, up, bias, shortBias)).toThrow(/linearSiluMul: upBias \[95\] float32 must have 96 \(up's out_features/);
    expect(() => backend.linearSiluMul(x, flatGate, flatUp)).toThrow(/linearSiluMul: gate \[96\] float32 must have rank 2/);
    expect(() => backend.linearSiluMul(halfX, gate, up)).toThrow(UnsupportedOpError);
    expect(() => backend.linearSiluMul(x, intGate, intUp)).toThrow(UnsupportedOpError);
    expect(() => backend.linearSiluMul(host, gate, up)).toThrow(/linearSiluMul: x \[2, 64\] float32 is on 'cpu'/);
    expect(() => backend.linearSiluMul(x, gate, up, bias, {} as never)).toThrow(/linearSiluMul: upBias must be a Tensor/);
    expect(ctx.calls.some((c) => ['linearSiluMul', 'linear', 'siluMul'].includes(c.method))).toBe(false);
    expect(ctx.live.size - made).toBe(0); // nothing allocated for a refused call
    expect(made - live).toBe(10);
  });

  it('rejects tensors of another backend', () => {
    const { backend, f32 } = setup();
    const host = hostTensor(new Float32Array(4), [4], 'float32', HOST);
    expect(() => backend.add(f32([4]), host)).toThrow(ArgumentError);
    expect(() => backend.add(f32([4]), host)).toThrow(/add: b \[4\] float32 is on 'cpu'/);
  });

  it('says unsupported instead of falling back', () => {
    const { backend, f32 } = setup();
    const ids = backend.zeros([3], 'int64');
    expect(() => backend.embedding(f32([10, 4]), ids)).toThrow(UnsupportedOpError);
    expect(backend.supports('add', ['float16', 'float16'])).toBe(false);
    expect(() => backend.add(backend.zeros([4], 'float16'), backend.zeros([4], 'float16'))).toThrow(UnsupportedOpError);
  });

  it('attention checks GQA, cache shape, kvLength and mask shape', () => {
    const { backend, f32, last } = setup();
    const q = f32([2, 5, 8 * 16]);
    const cache = f32([2, 2, 20, 16]);
    const base = { numHeads: 8, numKvHeads: 2, headDim: 16, kvLength: 12, scale: 0.25 };
    const out = backend.attention(q, cache, cache, { ...base, mask: backend.zeros([2, 12], 'int32') });
    expect(out.shape).toEqual([2, 5, 128]);
    expect(last('attention')[6]).toEqual({ batch: 2, seqLength: 5, numHeads: 8, numKvHeads: 2, headDim: 16, maxLength: 20, kvLength: 12, scale: 0.25, maskDtype: DTYPE_CODE.int32 });
    expect(() => backend.attention(q, cache, cache, { ...base, numKvHeads: 3 })).toThrow(/numHeads \(8\) must be a multiple of options.numKvHeads \(3\)/);
    expect(() => backend.attention(q, cache, cache, { ...base, kvLength: 21 })).toThrow(/options.kvLength must be an integer in \[5, 20\]/);
    expect(() => backend.attention(q, cache, cache, { ...base, kvLength: 4 })).toThrow(/kvLength/);
    expect(() => backend.attention(q, f32([2, 2, 20, 8]), cache, base)).toThrow(/kCache \[2, 2, 20, 8\] float32 must have 16 \(headDim\)/);
    expect(() => backend.attention(q, cache, cache, { ...base, mask: f32([2, 11]) })).toThrow(/options.mask \[2, 11\] float32 must have 12 \(kvLength\)/);
    const weights = backend.attentionWeights(q, cache, base);
    expect(weights.shape).toEqual([2, 8, 5, 12]);
  });

  it('kvWriteAt and attentionAt pass device scalars and check them', () => {
    const { backend, f32, last } = setup();
    const cache = f32([1, 2, 32, 16]);
    const offset = backend.zeros([1], 'int32');
    backend.kvWriteAt(cache, f32([1, 1, 32]), offset);
    expect(last('kvWrite')[9]).toBe(offset.storage.handle);
    expect(() => backend.kvWriteAt(cache, f32([1, 1, 32]), backend.zeros([2], 'int32'))).toThrow(/kvWriteAt: offset \[2\] int32 must be an int32 tensor of one element/);
    const kvLength = backend.zeros([1], 'int32');
    const out = backend.attentionAt(f32([1, 1, 64]), cache, cache, { numHeads: 4, numKvHeads: 2, headDim: 16, scale: 0.25, kvLength, mask: backend.zeros([1, 32], 'int32') });
    expect(out.shape).toEqual([1, 1, 64]);
    expect(last('attention')[6]).toMatchObject({ kvLength: 32, maxLength: 32, maskDtype: DTYPE_CODE.int32 });
    expect(last('attention')[7]).toBe(kvLength.storage.handle);
    expect(() => backend.attentionAt(f32([1, 16, 64]), f32([1, 2, 32, 16]), cache, { numHeads: 4, numKvHeads: 2, headDim: 16, scale: 1, kvLength })).toThrow(/S < 16/);
    expect(() => backend.attentionAt(f32([1, 1, 64]), cache, cache, { numHeads: 4, numKvHeads: 2, headDim: 16, scale: 1, kvLength, mask: f32([1, 31]) })).toThrow(/options.mask \[1, 31\] float32 must have 32 \(kvLength\)/);
  });

  it('attention refuses head sizes above the compiled kernels as unsupported (supports() says so up front)', () => {
    const { backend, f32 } = setup();
    const q = f32([1, 1, 512]);
    const cache = f32([1, 1, 4, 512]);
    expect(() => backend.attention(q, cache, cache, { numHeads: 1, numKvHeads: 1, headDim: 512, kvLength: 1, scale: 1 })).toThrow(/head size 512 is above the 256 the attention kernels are compiled for/);
  });

  it('kvWrite bounds the offset by the cache length', () => {
    const { backend, f32, last } = setup();
    const cache = backend.zeros([1, 2, 16, 8], 'float16');
    backend.kvWrite(cache, f32([1, 3, 16]), 13);
    expect(last('kvWrite')).toEqual([DTYPE_CODE.float16, expect.any(BigInt), expect.any(BigInt), 1, 3, 2, 8, 16, 13]);
    expect(() => backend.kvWrite(cache, f32([1, 3, 16]), 14)).toThrow(/kvWrite: offset must be an integer in \[0, 13\]/);
    expect(() => backend.kvWrite(cache, f32([1, 3, 12]), 0)).toThrow(/kvWrite: src \[1, 3, 12\] float32 must have 16 \(cache's numKvHeads \* headDim\)/);
  });

  it('rope checks positions and invFreq', () => {
    const { backend, f32, last } = setup();
    const x = f32([2, 3, 4 * 8]);
    const pos = backend.zeros([2, 3], 'int32');
    backend.rope(x, pos, f32([4]), { numHeads: 4, headDim: 8, attentionScaling: 1 });
    expect(last('rope').slice(4)).toEqual([6, 4, 8, 1]);
    expect(() => backend.rope(x, backend.zeros([3, 2], 'int32'), f32([4]), { numHeads: 4, headDim: 8, attentionScaling: 1 })).toThrow(/rope: positions \[3, 2\] int32 must have 2 \(x's batch\)/);
    expect(() => backend.rope(x, pos, f32([8]), { numHeads: 4, headDim: 8, attentionScaling: 1 })).toThrow(/rope: invFreq \[8\] float32 must have 4 \(headDim \/ 2\)/);
  });

  it('topk and argmax shapes, k bounds', () => {
    const { backend, f32 } = setup();
    const x = f32([2, 3, 10]);
    expect(backend.argmax(x).shape).toEqual([2, 3]);
    const { values, indices } = backend.topk(x, 4);
    expect(values.shape).toEqual([2, 3, 4]);
    expect(indices.dtype).toBe('int32');
    expect(() => backend.topk(x, 11)).toThrow(/topk: k must be an integer in \[0, 10\]/);
    const empty = backend.topk(x, 0); // as torch.topk: empty values and indices, nothing launched
    expect([empty.values.shape, empty.indices.shape]).toEqual([[2, 3, 0], [2, 3, 0]]);
  });

  it('upload checks the byte length; views share memory freed once by the last owner', () => {
    const { ctx, backend } = setup();
    expect(() => backend.upload(new Float32Array(5), [2, 3], 'float32')).toThrow(/5 elements|20 bytes/);
    const t = backend.upload(new Float32Array(6), [2, 3], 'float32');
    const v = t.view([6]);
    t.dispose();
    expect(ctx.freed).toHaveLength(0);
    v.dispose();
    expect(ctx.freed).toHaveLength(1);
    expect(ctx.live.size).toBe(0);
  });

  it('every op output is freed when disposed (no leak over a decode-like sequence)', () => {
    const { ctx, backend, f32 } = setup();
    const x = f32([1, 1, 32]);
    const w = backend.zeros([32, 32], 'float16');
    const norm = backend.zeros([32], 'float32');
    for (let i = 0; i < 5; i++) {
      const h = backend.rmsNorm(x, norm, 1e-5);
      const y = backend.linear(h, w);
      const z = backend.siluMul(y, y);
      const s = backend.add(z, x);
      for (const t of [h, y, z, s]) t.dispose();
    }
    for (const t of [x, w, norm]) t.dispose();
    expect(ctx.live.size).toBe(0);
  });

  it('uploadByRanges reads the tensor chunk by chunk, reports progress, and frees on a short read', async () => {
    const { ctx, backend, last } = setup();
    const source = new Uint8Array(40).map((_, i) => i);
    const progress: number[] = [];
    const t = await backend.uploadByRanges([10], 'float32', async (offset, length) => source.slice(offset, offset + length), {
      chunkBytes: 16,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([16, 32, 40]);
    const uploads = ctx.calls.filter((c) => c.method === 'upload');
    expect(uploads.map((c) => [(c.args[1] as Uint8Array).byteLength, c.args[2]])).toEqual([[16, 0], [16, 16], [8, 32]]);
    expect(last('upload')[0]).toBe(t.storage.handle);
    t.dispose();
    await expect(backend.uploadByRanges([10], 'float32', async () => new Uint8Array(3), { chunkBytes: 16 })).rejects.toThrow(/readRange\(0, 16\) returned 3 bytes; expected 16/);
    expect(ctx.live.size).toBe(0);
  });

  it('read returns a typed array of the tensor dtype', async () => {
    const { backend } = setup();
    const t = backend.zeros([3], 'bfloat16');
    const data = await backend.read(t);
    expect(data).toBeInstanceOf(Uint16Array);
    expect(data.length).toBe(3);
  });

  it('dispose releases the context; later ops fail clearly', () => {
    const { ctx, backend, f32 } = setup();
    const x = f32([4]);
    backend.dispose();
    expect(ctx.calls.some((c) => c.method === 'dispose')).toBe(true);
    expect(() => backend.zeros([4], 'float32')).toThrow(/disposed/);
    expect(() => backend.add(x, x)).toThrow(DisposedError); // one class on every backend
    x.dispose();
  });
});
