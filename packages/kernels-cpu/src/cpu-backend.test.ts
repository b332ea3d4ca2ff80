// The backend's contract around the kernels: what it accepts, what it refuses and how it says so.
import { describe, expect, it } from 'vitest';
import { ArgumentError, CriaError, DisposedError, HOST, OP_NAMES, UnsupportedOpError, hostData, hostTensor } from '@cria/core';
import { CpuBackend, createBackend, probe } from './reference.js';
import { bits, cpu, f32, i32, list } from './test-helpers.js';
import { widened } from './widen.js';

describe('module', () => {
  it("is always available and creates the reference backend ('reference')", async () => {
    expect(await probe()).toEqual({ available: true });
    const backend = await createBackend();
    expect(backend).toBeInstanceOf(CpuBackend);
    expect(backend.name).toBe('reference');
  });
});

describe('memory', () => {
  it('upload adopts the array, read returns a copy, zeros are zero', async () => {
    const data = Float32Array.from([1, 2, 3, 4]);
    const t = cpu.upload(data, [2, 2], 'float32');
    expect(t.device).toBe('reference');
    expect(hostData(t)).toBe(data);
    const back = await cpu.read(t);
    expect(back).toEqual(data);
    expect(back).not.toBe(data);
    expect(list(cpu.zeros([2, 3], 'int32'))).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it('refuses an array that does not hold the dtype or fill the shape', () => {
    expect(() => cpu.upload(new Float32Array(4), [4], 'float16')).toThrow(/upload: data for dtype float16 must be a Uint16Array, got Float32Array/);
    expect(() => cpu.upload(new Float32Array(3), [2, 2], 'float32')).toThrow(ArgumentError);
  });
  it('accepts host tensors from the file readers (device cpu) and refuses other devices', () => {
    const fromFile = hostTensor(Float32Array.from([1, 2]), [2], 'float32', HOST);
    expect(list(cpu.add(fromFile, fromFile))).toEqual([2, 4]);
    const elsewhere = hostTensor(new Float32Array(2), [2], 'float32', { name: 'webgpu', read: async () => new Float32Array(2) });
    expect(() => cpu.add(elsewhere, fromFile)).toThrow(/add: a \[2\] float32 is on 'webgpu'/);
  });
  it('refuses disposed tensors and a disposed backend', () => {
    const t = f32([1]);
    t.dispose();
    expect(() => cpu.softmax(t)).toThrow(/used after dispose/);
    const backend = new CpuBackend();
    backend.dispose();
    expect(() => backend.zeros([1], 'float32')).toThrow(CriaError);
    expect(() => backend.zeros([1], 'float32')).toThrow(DisposedError);
    expect(() => backend.softmax(f32([1]))).toThrow('the reference backend was disposed; create a new one');
  });
  it('widens a float16 / bfloat16 weight once and keeps it', () => {
    const w = bits([0x3c00, 0x4000], [2], 'float16');
    const first = widened(w);
    expect(Array.from(first)).toEqual([1, 2]);
    expect(widened(w)).toBe(first);
    const plain = f32([1, 2]);
    expect(widened(plain)).toBe(hostData(plain));
  });
});

describe('supports', () => {
  it('accepts exactly what the kernels implement', () => {
    const yes: [string, string[]][] = [
      ['embedding', ['bfloat16', 'int32']],
      ['rmsNorm', ['float32', 'float16']],
      ['linear', ['float32', 'float16']],
      ['linear', ['float32', 'bfloat16', 'float32']],
      ['linearSiluMul', ['float32', 'float16', 'float16']],
      ['linearSiluMul', ['float32', 'bfloat16', 'bfloat16', 'float32', 'float32']],
      ['linearMany', ['float32', 'float16']],
      ['linearMany', ['float32', 'bfloat16', 'bfloat16', 'bfloat16']],
      ['linearMany', ['float32', 'bfloat16', 'bfloat16', 'float32', 'float32']],
      ['linearMany', ['float32', 'float16', 'float16', 'float16', 'float16']],
      ['rope', ['float32', 'int32', 'float32']],
      ['kvWrite', ['float32', 'float32']],
      ['attention', ['float32', 'float32', 'float32']],
      ['attention', ['float32', 'float32', 'float32', 'int32']],
      ['attentionWeights', ['float32', 'float32', 'float32']],
      ['siluMul', ['float32', 'float32']],
      ['add', ['float32', 'float32']],
      ['softmax', ['float32']],
      ['argmax', ['float32']],
      ['topk', ['float32']],
      ['cast', ['int32', 'bfloat16']],
      ['cast', ['float16']],
    ];
    const no: [string, string[]][] = [
      ['embedding', ['float32', 'int64']],
      ['rmsNorm', ['float16', 'float32']],
      ['linear', ['float32']],
      ['linear', ['float16', 'float16']],
      ['linear', ['float32', 'int8']],
      ['linearSiluMul', ['float32', 'float16', 'bfloat16']],
      ['linearSiluMul', ['float32', 'float16', 'float16', 'float16']],
      ['linearSiluMul', ['float32', 'float16', 'float16', 'float16', 'float32']],
      ['linearMany', ['float32']],
      ['linearMany', ['float16', 'float16']],
      ['linearMany', ['float32', 'float16', 'bfloat16', 'float16']],
      ['linearMany', ['float32', 'float16', 'float16', 'float32']],
      ['linearMany', ['float32', 'float16', 'bfloat16', 'float32', 'float32']],
      ['linearMany', ['float32', 'float16', 'float16', 'float32', 'bfloat16']],
      ['rope', ['float32', 'int64', 'float32']],
      ['kvWrite', ['float16', 'float32']],
      ['attention', ['float32', 'float32']],
      ['attention', ['float32', 'float32', 'float32', 'bool']],
      ['softmax', ['float64']],
      ['argmax', ['float32', 'float32']],
      ['cast', ['float32', 'int64']],
      ['cast', ['uint8', 'float32']],
      ['nonsense', ['float32']],
    ];
    for (const [op, dtypes] of yes) expect(cpu.supports(op as never, dtypes as never), `${op} [${dtypes}]`).toBe(true);
    for (const [op, dtypes] of no) expect(cpu.supports(op as never, dtypes as never), `${op} [${dtypes}]`).toBe(false);
    for (const op of OP_NAMES) expect(cpu.supports(op, []), op).toBe(false);
  });
  it('answers TensorSpecs (shapes too) as it answers their dtypes: the cpu has no device limits', () => {
    const spec = (dtype: string, ...shape: number[]) => ({ dtype, shape }) as never;
    expect(cpu.supports('attention', [spec('float32', 1, 1, 4096), spec('float32', 1, 1, 8, 4096), spec('float32', 1, 1, 8, 4096)])).toBe(true);
    expect(cpu.supports('linear', [f32([1, 2], [1, 2]), spec('bfloat16', 3, 2)])).toBe(true);
    expect(cpu.supports('linear', [spec('float16', 1, 2), spec('bfloat16', 3, 2)])).toBe(false);
  });
  it('topk with k = 0 gives empty values and indices, as torch.topk', () => {
    const { values, indices } = cpu.topk(f32([1, 2, 3, 4], [2, 2]), 0);
    expect([values.shape, indices.shape, values.dtype, indices.dtype]).toEqual([[2, 0], [2, 0], 'float32', 'int32']);
  });
  it('throws UnsupportedOpError for the combinations it does not support', () => {
    expect(() => cpu.linear(f32([1, 2], [1, 2]), i32([1, 2], [1, 2]))).toThrow(UnsupportedOpError);
    expect(() => cpu.rmsNorm(bits([0], [1], 'float16'), f32([1]), 1e-5)).toThrow(/backend 'reference' does not support op 'rmsNorm' for dtypes \[float16, float32\]/);
    expect(() => cpu.cast(f32([1]), 'int64')).toThrow(UnsupportedOpError);
  });
});

describe('argument errors name the argument and what was expected', () => {
  const q = f32(new Array(8).fill(0), [1, 1, 8]);
  const cache = f32(new Array(16).fill(0), [1, 2, 4, 2]);
  const attention = { numHeads: 4, numKvHeads: 2, headDim: 2, kvLength: 2, scale: 1 };
  const cases: [string, () => unknown, RegExp][] = [
    ['linear in_features', () => cpu.linear(f32([1, 2, 3], [1, 3]), f32([1, 2], [1, 2])), /linear: x \[1, 3\] float32 must have 2 \(weight's in_features/],
    ['linear bias', () => cpu.linear(f32([1, 2], [1, 2]), f32([1, 2], [1, 2]), f32([1, 2])), /linear: bias \[2\] float32 must have 1/],
    ['linearSiluMul one bias', () => cpu.linearSiluMul(f32([1, 2], [1, 2]), f32([1, 2], [1, 2]), f32([1, 2], [1, 2]), f32([1])), /linearSiluMul: gateBias and upBias must be given together, got gateBias alone/],
    ['linearSiluMul up shape', () => cpu.linearSiluMul(f32([1, 2], [1, 2]), f32([1, 2], [1, 2]), f32([1, 2, 3, 4], [2, 2])), /linearSiluMul: gate \[1, 2\] float32 and up \[2, 2\] float32 must have the same shape/],
    ['linearSiluMul in_features', () => cpu.linearSiluMul(f32([1, 2, 3], [1, 3]), f32([1, 2], [1, 2]), f32([1, 2], [1, 2])), /linearSiluMul: x \[1, 3\] float32 must have 2 \(gate's in_features/],
    ['linearMany no weights', () => cpu.linearMany(f32([1, 2], [1, 2]), []), /linearMany: weights must be a non-empty array of tensors/],
    ['linearMany bias count', () => cpu.linearMany(f32([1, 2], [1, 2]), [f32([1, 2], [1, 2]), f32([1, 2], [1, 2])], [f32([1])]), /linearMany: biases must hold one tensor for each of the 2 weights, or be left out/],
    ['linearMany in_features', () => cpu.linearMany(f32([1, 2], [1, 2]), [f32([1, 2], [1, 2]), f32([1, 2, 3], [1, 3])]), /linearMany: x \[1, 2\] float32 must have 3 \(weights\[1\]'s in_features/],
    ['linearMany bias length', () => cpu.linearMany(f32([1, 2], [1, 2]), [f32([1, 2], [1, 2])], [f32([1, 2])]), /linearMany: biases\[0\] \[2\] float32 must have 1/],
    ['rmsNorm weight', () => cpu.rmsNorm(f32([1, 2]), f32([1]), 1e-5), /rmsNorm: weight \[1\] float32 must have shape \[2\] \(x's last dimension\)/],
    ['rmsNorm eps', () => cpu.rmsNorm(f32([1]), f32([1]), NaN), /rmsNorm: eps must be a finite number/],
    ['rope headDim', () => cpu.rope(f32([1, 2, 3], [1, 1, 3]), i32([0], [1, 1]), f32([1]), { numHeads: 1, headDim: 3, attentionScaling: 1 }), /rope: options.headDim must be even/],
    ['rope positions', () => cpu.rope(f32([1, 2], [1, 1, 2]), i32([0, 1], [1, 2]), f32([1]), { numHeads: 1, headDim: 2, attentionScaling: 1 }), /rope: positions \[1, 2\] int32 must have 1 \(x's sequence length\)/],
    ['attention heads', () => cpu.attention(q, cache, cache, { ...attention, numHeads: 3 }), /attention: options.numHeads \(3\) must be a multiple of options.numKvHeads \(2\)/],
    ['attention kvLength', () => cpu.attention(q, cache, cache, { ...attention, kvLength: 5 }), /attention: options.kvLength must be an integer in \[1, 4\] \(q's sequence length to the cache's maxLength\), got 5/],
    ['attention mask', () => cpu.attention(q, cache, cache, { ...attention, mask: f32([1, 1, 1], [1, 3]) }), /attention: options.mask \[1, 3\] float32 must have 2 \(kvLength\)/],
    ['attention cache', () => cpu.attentionWeights(q, f32(new Array(8).fill(0), [1, 1, 4, 2]), attention), /attentionWeights: kCache \[1, 1, 4, 2\] float32 must have 2 \(numKvHeads\)/],
    ['add shapes', () => cpu.add(f32([1, 2]), f32([1, 2], [2, 1])), /add: a \[2\] float32 and b \[2, 1\] float32 must have the same shape/],
    ['topk k', () => cpu.topk(f32([1, 2]), 3), /topk: k must be an integer in \[0, 2\] \(x's last dimension\), got 3/],
    ['kvWrite src', () => cpu.kvWrite(cache, f32([1, 2], [1, 1, 2]), 0), /kvWrite: src \[1, 1, 2\] float32 must have 4/],
    ['cast dtype', () => cpu.cast(f32([1]), 'float8' as never), /cast: dtype 'float8' is not a cria dtype/],
    ['not a tensor', () => cpu.softmax({} as never), /softmax: x must be a Tensor/],
  ];
  for (const [what, call, message] of cases) {
    it(what, () => {
      expect(call).toThrow(ArgumentError);
      expect(call).toThrow(message);
    });
  }
});

describe('linearSiluMul', () => {
  it('gives the numbers of linear, linear, siluMul (biases included, float16 weights)', () => {
    const x = f32([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3]);
    const gate = cpu.cast(f32([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 1.2], [4, 3]), 'float16');
    const up = cpu.cast(f32([1.2, 1.1, -1.0, 0.9, -0.8, 0.7, 0.6, 0.5, -0.4, -0.3, 0.2, 0.1], [4, 3]), 'float16');
    const gateBias = cpu.cast(f32([0.5, -0.5, 0.25, 0]), 'float16');
    const upBias = cpu.cast(f32([-1, 1, 0, 2]), 'float16');
    const fused = cpu.linearSiluMul(x, gate, up, gateBias, upBias);
    const apart = cpu.siluMul(cpu.linear(x, gate, gateBias), cpu.linear(x, up, upBias));
    expect(fused.shape).toEqual([2, 4]);
    expect(list(fused)).toEqual(list(apart));
    expect(list(cpu.linearSiluMul(x, gate, up))).toEqual(list(cpu.siluMul(cpu.linear(x, gate), cpu.linear(x, up))));
  });
});

describe('linearMany', () => {
  it('gives the numbers of linear with each weight (biases included, bfloat16 weights)', () => {
    const x = f32([0.5, -1, 2, 0.25, 1.5, -0.75], [1, 2, 3]);
    const weights = [
      cpu.cast(f32([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 1.2], [4, 3]), 'bfloat16'),
      cpu.cast(f32([1.2, 1.1, -1.0, 0.9, -0.8, 0.7], [2, 3]), 'bfloat16'),
      cpu.cast(f32([0.6, 0.5, -0.4], [1, 3]), 'bfloat16'),
    ];
    const biases = [f32([0.5, -0.5, 0.25, 0]), f32([-1, 1]), f32([2])];
    const outs = cpu.linearMany(x, weights, biases);
    expect(outs.map((t) => t.shape)).toEqual([[1, 2, 4], [1, 2, 2], [1, 2, 1]]);
    outs.forEach((t, i) => expect(list(t)).toEqual(list(cpu.linear(x, weights[i]!, biases[i]))));
    cpu.linearMany(x, weights).forEach((t, i) => expect(list(t)).toEqual(list(cpu.linear(x, weights[i]!))));
  });
});
