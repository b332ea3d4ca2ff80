// The reference backend's block-format weights: each op with a quantized weight gives what it gives with that
// weight's dequantized float32 values (llama.cpp's dequantize_row_*, checked bit for bit against llama.cpp in
// @cria/core), and a hand-written q8_0 block gives the hand-computed product.
import { QUANT_DTYPES, type QuantDType, dequantize, float32ToFloat16, quantBlock, quantize } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describe('reference backend: block-format weights', () => {
  const backend = new CpuBackend();
  it.each(QUANT_DTYPES)('%s: linear, linearMany, linearSiluMul and embedding equal their float32 forms', async (dtype: QuantDType) => {
    const k = quantBlock(dtype).blockElements * 2;
    const m = 5;
    const bytes = quantize(dtype, random(m * k, 7), m, k);
    const values = dequantize(dtype, bytes, m, k);
    const wq = backend.upload(bytes, [m, k], dtype);
    const wf = backend.upload(values, [m, k], 'float32');
    const x = backend.upload(random(3 * k, 11), [3, k], 'float32');
    const same = async (a: { toFloat32(): Promise<Float32Array> }, b: { toFloat32(): Promise<Float32Array> }) => expect(await a.toFloat32()).toEqual(await b.toFloat32());
    await same(backend.linear(x, wq), backend.linear(x, wf));
    await same(backend.linearMany(x, [wq, wq])[1]!, backend.linear(x, wf));
    await same(backend.linearSiluMul(x, wq, wq), backend.linearSiluMul(x, wf, wf));
    const ids = backend.upload(Int32Array.from([4, 0, 2]), [3], 'int32');
    await same(backend.embedding(wq, ids), backend.embedding(wf, ids));
    expect(backend.supports('linear', ['float32', dtype])).toBe(true);
    expect(backend.supports('linear', ['float32', dtype, dtype])).toBe(false); // a bias stays float
  });

  it('a hand-written q8_0 block: d = 0.5, q = 1..32 against x = 1', async () => {
    const block = new Uint8Array(34);
    const d = float32ToFloat16(0.5);
    block[0] = d & 0xff;
    block[1] = d >> 8;
    for (let i = 0; i < 32; i++) block[2 + i] = i + 1;
    const w = backend.upload(block, [1, 32], 'q8_0');
    const x = backend.upload(new Float32Array(32).fill(1), [1, 32], 'float32');
    // 0.5 * (1 + 2 + ... + 32) = 0.5 * 528
    expect(Array.from(await backend.linear(x, w).toFloat32())).toEqual([264]);
  });

  it('refuses a block-format tensor whose rows are not whole blocks, naming the shape', () => {
    expect(() => backend.upload(new Uint8Array(34), [2, 17], 'q8_0')).toThrow(/\[2, 17\] q8_0: the last dimension must be a multiple of 32/);
  });
});
