// Shapes the shared table does not reach, judged against the cpu backend with the conformance runner:
// weights split across buffers (a binding limit lowered to 4 KiB), long prompts (many key tiles in the
// fused attention), the tiled matmul at odd sizes, and more workgroups than one dispatch dimension holds.
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { BOUND, type OpCase, formatResults, runOpCase } from '@cria/ops-conformance';
import type { Backend, DType } from '@cria/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '@cria/kernels-webgpu';

const WEIGHTS: readonly DType[] = ['float32', 'float16', 'bfloat16'];

const splitCases: OpCase[] = WEIGHTS.flatMap((w): OpCase[] => [
  // 4 KiB chunks: [300, 77] is 24 chunks of 13 rows in f32, 12 of 26 rows in f16/bf16; odd row lengths exercise chunk starts.
  { op: 'embedding', name: `split embedding [300,77] ${w}`, shapes: { weight: [300, 77], ids: [3, 7] }, dtypes: [w, 'int32'], params: {}, bound: BOUND.exact },
  { op: 'linear', name: `split linear decode x[2,1,77] W[300,77] +bias ${w}`, shapes: { x: [2, 1, 77], weight: [300, 77], bias: [300] }, dtypes: ['float32', w, w], params: {}, bound: BOUND.reduction },
  { op: 'linear', name: `split linear prefill x[12,77] W[300,77] ${w}`, shapes: { x: [12, 77], weight: [300, 77] }, dtypes: ['float32', w], params: {}, bound: BOUND.reduction },
]);

function attentionCase(op: 'attention' | 'attentionWeights', name: string, seq: number, kvLength: number, maxLength: number, mask: boolean): OpCase {
  const batch = 2;
  const numHeads = 4;
  const numKvHeads = 2;
  const headDim = 80;
  const cache = [batch, numKvHeads, maxLength, headDim];
  const shapes: Record<string, number[]> = { q: [batch, seq, numHeads * headDim], kCache: cache };
  if (op === 'attention') shapes.vCache = cache;
  const dtypes: DType[] = op === 'attention' ? ['float32', 'float32', 'float32'] : ['float32', 'float32'];
  if (mask) {
    shapes.mask = [batch, kvLength];
    dtypes.push('float32');
  }
  return {
    op,
    name: `${op} ${name}`,
    shapes,
    dtypes,
    params: { numHeads, numKvHeads, headDim, kvLength, scale: 1 / Math.sqrt(headDim), ...(mask ? { maskLeadingZeros: [0, 70], maskHoles: [[3, 64, 65, 150], [100]] } : {}) },
    bound: BOUND.reduction,
  };
}

const longCases: OpCase[] = [
  attentionCase('attention', 'long prefill S=150 kv=150 (3 key tiles) padded', 150, 150, 160, true),
  attentionCase('attention', 'decode S=1 kv=200 no mask', 1, 200, 200, false),
  attentionCase('attentionWeights', 'long prefill S=150 kv=150 padded', 150, 150, 160, true),
  { op: 'linear', name: 'matvec (lanes) x[2,1,300] W[70,300] +bias bf16', shapes: { x: [2, 1, 300], weight: [70, 300], bias: [70] }, dtypes: ['float32', 'bfloat16', 'bfloat16'], params: {}, bound: BOUND.reduction },
  ...WEIGHTS.map((w): OpCase => ({ op: 'linear', name: `matvec (lanes, pairs) x[1,1,258] W[50,258] ${w}`, shapes: { x: [1, 1, 258], weight: [50, 258] }, dtypes: ['float32', w], params: {}, bound: BOUND.reduction })),
  ...WEIGHTS.map((w): OpCase => ({ op: 'linear', name: `matvec (vec4) x[3,1,516] W[45,516] +bias ${w}`, shapes: { x: [3, 1, 516], weight: [45, 516], bias: [45] }, dtypes: ['float32', w, w], params: {}, bound: BOUND.reduction })),
  { op: 'linear', name: 'matvec (lanes) x[8,301] W[40,301] f16 odd K', shapes: { x: [8, 301], weight: [40, 301] }, dtypes: ['float32', 'float16'], params: {}, bound: BOUND.reduction },
  { op: 'linear', name: 'tiled linear x[70,130] W[33,130]', shapes: { x: [70, 130], weight: [33, 130] }, dtypes: ['float32', 'float32'], params: {}, bound: BOUND.reduction },
  { op: 'linear', name: 'tiled linear x[9,3] W[65,3] +bias f16', shapes: { x: [9, 3], weight: [65, 3], bias: [65] }, dtypes: ['float32', 'float16', 'float16'], params: {}, bound: BOUND.reduction },
  { op: 'linear', name: 'linear decode W[65600,4]: columns beyond 65535 workgroups', shapes: { x: [1, 1, 4], weight: [65600, 4] }, dtypes: ['float32', 'bfloat16'], params: {}, bound: BOUND.reduction },
  { op: 'rmsNorm', name: 'rmsNorm [5,4099] bf16', shapes: { x: [5, 4099], weight: [4099] }, dtypes: ['float32', 'bfloat16'], params: { eps: 1e-5 }, bound: BOUND.elementwise },
];

describe('webgpu beyond the shared table', () => {
  let cpu: Backend;
  let split: WebGpuBackend;
  let gpu: WebGpuBackend;

  beforeAll(async () => {
    cpu = await createCpuBackend();
    split = await WebGpuBackend.create({ maxBindingBytes: 4096 });
    gpu = await WebGpuBackend.create();
  });
  afterAll(() => {
    split?.dispose();
    gpu?.dispose();
    cpu?.dispose();
  });

  it('splits weights larger than one binding and still gathers and multiplies them exactly as the cpu', async () => {
    expect(split.maxChunkBytes).toBe(4096);
    const results = [];
    for (const c of splitCases) results.push(await runOpCase(split, cpu, c));
    console.log(formatResults('webgpu (4 KiB bindings)', results));
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.message}`)).toEqual([]);
  });

  it('a split tensor reports its chunks and refuses ops that need one binding', async () => {
    const big = split.upload(new Float32Array(3000), [3000], 'float32');
    expect(split.supports('softmax', [big])).toBe(false); // a device limit: supports() says so, the op refuses as unsupported
    expect(() => split.softmax(big)).toThrow(/x \[3000\] float32 is larger than one WebGPU binding/);
    // Op outputs and zeros are never split: they may be as large as one device binding.
    const zeros = split.zeros([3000], 'float32');
    const uniform = split.softmax(zeros);
    expect(Array.from((await uniform.toArray()) as Float32Array)).toEqual(new Array(3000).fill(Math.fround(1 / 3000)));
    zeros.dispose();
    uniform.dispose();
    big.dispose();
    const row = new Float32Array(1025);
    expect(() => split.upload(row, [1, 1025], 'float32')).toThrow(/one row .* is larger than one WebGPU binding/);
  });

  it('handles long prompts, odd tiled sizes and dispatches past 65535 workgroups', async () => {
    const results = [];
    for (const c of longCases) results.push(await runOpCase(gpu, cpu, c));
    console.log(formatResults('webgpu', results));
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.message}`)).toEqual([]);
  });
});
