// The op-conformance table, after llama.cpp's test-backend-ops: every op, shapes that are and are not
// multiples of 4/8/16/32/64, decode (S=1) and prefill (S>1), grouped-query heads, padding masks with
// zeros, caches with a past, and float32 / float16 / bfloat16 weights.
import { type DType, QUANT_DTYPES, quantBlock } from '@cria/core';
import type { NaiveAttentionLayout } from './naive/attention.js';
import type { OpCase, OpParams } from './op-case.js';

/** Bounds on ‖a−b‖/‖b‖ for float32 results. Weights in f16/bf16 are exact inputs once widened, so they share them. */
import { BOUND } from '@cria/core/testing';

export { BOUND };

const WEIGHTS: readonly DType[] = ['float32', 'float16', 'bfloat16'];
const short = (d: DType): string => ({ float32: 'f32', float16: 'f16', bfloat16: 'bf16' })[d as 'float32'] ?? d;

function embeddingCases(): OpCase[] {
  return WEIGHTS.flatMap((w) => [
    { op: 'embedding', name: `embedding V=1000 H=77 ids[2,5] ${short(w)}`, shapes: { weight: [1000, 77], ids: [2, 5] }, dtypes: [w, 'int32'], params: {}, bound: BOUND.exact },
    { op: 'embedding', name: `embedding V=300 H=64 ids[1] ${short(w)}`, shapes: { weight: [300, 64], ids: [1] }, dtypes: [w, 'int32'], params: {}, bound: BOUND.exact },
  ]);
}

function rmsNormCases(): OpCase[] {
  return WEIGHTS.flatMap((w): OpCase[] => [
    { op: 'rmsNorm', name: `rmsNorm [2,3,77] eps=1e-5 ${short(w)}`, shapes: { x: [2, 3, 77], weight: [77] }, dtypes: ['float32', w], params: { eps: 1e-5 }, bound: BOUND.elementwise },
    { op: 'rmsNorm', name: `rmsNorm [1,1,1000] eps=1e-6 ${short(w)}`, shapes: { x: [1, 1, 1000], weight: [1000] }, dtypes: ['float32', w], params: { eps: 1e-6, amplitude: 3 }, bound: BOUND.elementwise },
  ]).concat([
    { op: 'rmsNorm', name: 'rmsNorm [3,4096] eps=1e-5 bf16', shapes: { x: [3, 4096], weight: [4096] }, dtypes: ['float32', 'bfloat16'], params: { eps: 1e-5 }, bound: BOUND.elementwise } satisfies OpCase,
  ]);
}

function addRmsNormCases(): OpCase[] {
  return WEIGHTS.flatMap((w): OpCase[] => [
    { op: 'addRmsNorm', name: `addRmsNorm [2,3,77] eps=1e-5 ${short(w)}`, shapes: { a: [2, 3, 77], b: [2, 3, 77], weight: [77] }, dtypes: ['float32', 'float32', w], params: { eps: 1e-5 }, bound: BOUND.elementwise },
    { op: 'addRmsNorm', name: `addRmsNorm [1,1,1000] eps=1e-6 ${short(w)}`, shapes: { a: [1, 1, 1000], b: [1, 1, 1000], weight: [1000] }, dtypes: ['float32', 'float32', w], params: { eps: 1e-6, amplitude: 3 }, bound: BOUND.elementwise },
  ]).concat([
    { op: 'addRmsNorm', name: 'addRmsNorm [5,4096] eps=1e-5 bf16', shapes: { a: [5, 4096], b: [5, 4096], weight: [4096] }, dtypes: ['float32', 'float32', 'bfloat16'], params: { eps: 1e-5 }, bound: BOUND.elementwise } satisfies OpCase,
    { op: 'addRmsNorm', name: 'addRmsNorm [4,2,2048] eps=1e-5 f16', shapes: { a: [4, 2, 2048], b: [4, 2, 2048], weight: [2048] }, dtypes: ['float32', 'float32', 'float16'], params: { eps: 1e-5 }, bound: BOUND.elementwise } satisfies OpCase,
  ]);
}

function linearCases(): OpCase[] {
  const cases: OpCase[] = [];
  for (const w of WEIGHTS) {
    cases.push(
      { op: 'linear', name: `linear x[3,77] W[129,77] +bias ${short(w)}`, shapes: { x: [3, 77], weight: [129, 77], bias: [129] }, dtypes: ['float32', w, w], params: {}, bound: BOUND.reduction },
      { op: 'linear', name: `linear x[2,5,64] W[96,64] ${short(w)}`, shapes: { x: [2, 5, 64], weight: [96, 64] }, dtypes: ['float32', w], params: {}, bound: BOUND.reduction },
      { op: 'linear', name: `linear decode x[1,1,256] W[1000,256] ${short(w)}`, shapes: { x: [1, 1, 256], weight: [1000, 256] }, dtypes: ['float32', w], params: {}, bound: BOUND.reduction },
    );
  }
  cases.push({ op: 'linear', name: 'linear long K x[2,4099] W[67,4099] f16', shapes: { x: [2, 4099], weight: [67, 4099] }, dtypes: ['float32', 'float16'], params: {}, bound: BOUND.reduction });
  cases.push({ op: 'linear', name: 'linear x[4,24] W[40,24] bias f32 weight bf16', shapes: { x: [4, 24], weight: [40, 24], bias: [40] }, dtypes: ['float32', 'bfloat16', 'float32'], params: {}, bound: BOUND.reduction });
  return cases;
}

function linearSiluMulCases(): OpCase[] {
  const gated = (name: string, x: number[], m: number, dtypes: DType[], bias = false): OpCase => {
    const k = x[x.length - 1]!;
    const shapes: Record<string, number[]> = { x, gate: [m, k], up: [m, k] };
    if (bias) Object.assign(shapes, { gateBias: [m], upBias: [m] });
    return { op: 'linearSiluMul', name: `linearSiluMul ${name}`, shapes, dtypes, params: {}, bound: BOUND.reduction };
  };
  return WEIGHTS.flatMap((w): OpCase[] => [
    gated(`decode x[1,1,256] W[1000,256] ${short(w)}`, [1, 1, 256], 1000, ['float32', w, w]),
    gated(`x[3,77] W[129,77] +biases ${short(w)}`, [3, 77], 129, ['float32', w, w, w, w], true),
    gated(`prefill x[2,9,64] W[96,64] ${short(w)}`, [2, 9, 64], 96, ['float32', w, w]),
  ]).concat([
    gated('decode batch x[5,2048] W[344,2048] bf16', [5, 2048], 344, ['float32', 'bfloat16', 'bfloat16']),
    gated('long K x[1,4099] W[67,4099] f16', [1, 4099], 67, ['float32', 'float16', 'float16']),
    gated('x[4,24] W[40,24] f32 biases bf16 weights', [4, 24], 40, ['float32', 'bfloat16', 'bfloat16', 'float32', 'float32'], true),
  ]);
}

function linearManyCases(): OpCase[] {
  const many = (name: string, x: number[], ms: number[], weight: DType, bias: DType | null): OpCase => {
    const k = x[x.length - 1]!;
    const shapes: Record<string, number[]> = { x };
    ms.forEach((m, i) => (shapes[`weight${i}`] = [m, k]));
    if (bias) ms.forEach((m, i) => (shapes[`bias${i}`] = [m]));
    const dtypes: DType[] = ['float32', ...ms.map(() => weight), ...(bias ? ms.map(() => bias) : [])];
    return { op: 'linearMany', name: `linearMany ${name}`, shapes, dtypes, params: {}, bound: BOUND.reduction };
  };
  return WEIGHTS.flatMap((w): OpCase[] => [
    many(`q/k/v decode x[1,1,256] W[256|64|64,256] ${short(w)}`, [1, 1, 256], [256, 64, 64], w, null),
    many(`q/k/v x[3,77] W[129|33|33,77] +biases ${short(w)}`, [3, 77], [129, 33, 33], w, w),
    many(`q/k/v prefill x[2,9,64] W[96|32|32,64] ${short(w)}`, [2, 9, 64], [96, 32, 32], w, null),
  ]).concat([
    many('one weight x[2,4099] W[67,4099] f16', [2, 4099], [67], 'float16', null),
    many('two weights x[5,2048] W[344|129,2048] bf16, f32 biases', [5, 2048], [344, 129], 'bfloat16', 'float32'),
  ]);
}

function ropeCase(name: string, batch: number, seq: number, numHeads: number, headDim: number, params: OpParams): OpCase {
  return {
    op: 'rope',
    name,
    shapes: { x: [batch, seq, numHeads * headDim], positions: [batch, seq], invFreq: [headDim / 2] },
    dtypes: ['float32', 'int32', 'float32'],
    params: { numHeads, headDim, attentionScaling: 1, ropeTheta: 10000, ...params },
    bound: BOUND.reduction,
  };
}

function ropeCases(): OpCase[] {
  return [
    ropeCase('rope prefill hd=24 heads=3 [2,7]', 2, 7, 3, 24, { firstPositions: [0, 0] }),
    ropeCase('rope decode hd=64 heads=8 past 37', 2, 1, 8, 64, { firstPositions: [37, 30] }),
    ropeCase('rope hd=128 heads=2 theta=5e5 positions ~2000', 1, 5, 2, 128, { firstPositions: [2041], ropeTheta: 500000 }),
    ropeCase('rope long context hd=64 theta=5e5 positions ~131000', 1, 3, 2, 64, { firstPositions: [131000], ropeTheta: 500000 }),
    ropeCase('rope left-padded positions from -3, scaling 1.2', 2, 6, 4, 24, { firstPositions: [0, -3], attentionScaling: 1.2 }),
  ];
}

function kvWriteCases(): OpCase[] {
  const kv = (name: string, cache: number[], seq: number, offset: number): OpCase => ({
    op: 'kvWrite',
    name,
    shapes: { cache, src: [cache[0]!, seq, cache[1]! * cache[3]!] },
    dtypes: ['float32', 'float32'],
    params: { offset },
    bound: BOUND.exact,
  });
  return [
    kv('kvWrite prefill [2,2,16,24] S=5 at 3', [2, 2, 16, 24], 5, 3),
    kv('kvWrite decode [2,2,16,24] S=1 at last slot', [2, 2, 16, 24], 1, 15),
    kv('kvWrite [1,8,40,64] S=7 at 0', [1, 8, 40, 64], 7, 0),
  ];
}

interface AttentionLayout extends Omit<NaiveAttentionLayout, 'scale'> {
  mask?: DType;
  maskLeadingZeros?: readonly number[];
  maskHoles?: readonly (readonly number[])[];
}

function attentionCase(op: 'attention' | 'attentionWeights', name: string, a: AttentionLayout): OpCase {
  const cache = [a.batch, a.numKvHeads, a.maxLength, a.headDim];
  const shapes: Record<string, number[]> = { q: [a.batch, a.seqLength, a.numHeads * a.headDim], kCache: cache };
  if (op === 'attention') shapes.vCache = cache;
  if (a.mask) shapes.mask = [a.batch, a.kvLength];
  const dtypes: DType[] = op === 'attention' ? ['float32', 'float32', 'float32'] : ['float32', 'float32'];
  if (a.mask) dtypes.push(a.mask);
  const params: OpParams = { numHeads: a.numHeads, numKvHeads: a.numKvHeads, headDim: a.headDim, kvLength: a.kvLength, scale: 1 / Math.sqrt(a.headDim) };
  if (a.maskLeadingZeros) params.maskLeadingZeros = a.maskLeadingZeros;
  if (a.maskHoles) params.maskHoles = a.maskHoles;
  return { op, name: `${op} ${name}`, shapes, dtypes, params, bound: BOUND.reduction };
}

const ATTENTION_LAYOUTS: readonly [string, AttentionLayout][] = [
  ['prefill MHA 4/4 hd=24 S=7 no mask', { batch: 2, seqLength: 7, numHeads: 4, numKvHeads: 4, headDim: 24, maxLength: 16, kvLength: 7 }],
  ['prefill GQA 8/2 hd=64 S=5 past 7 padded f32 mask', { batch: 2, seqLength: 5, numHeads: 8, numKvHeads: 2, headDim: 64, maxLength: 20, kvLength: 12, mask: 'float32', maskLeadingZeros: [0, 3] }],
  ['decode GQA 8/2 hd=128 S=1 kv=33 int32 mask with holes', { batch: 2, seqLength: 1, numHeads: 8, numKvHeads: 2, headDim: 128, maxLength: 40, kvLength: 33, mask: 'int32', maskLeadingZeros: [2, 0], maskHoles: [[10], [5, 6, 31]] }],
  ['prefill left-padded: padded queries see no key (zeros) GQA 6/3 hd=24', { batch: 2, seqLength: 9, numHeads: 6, numKvHeads: 3, headDim: 24, maxLength: 9, kvLength: 9, mask: 'int32', maskLeadingZeros: [0, 4] }],
  ['long decode GQA 32/8 hd=128 S=1 kv=1000 of 1024', { batch: 1, seqLength: 1, numHeads: 32, numKvHeads: 8, headDim: 128, maxLength: 1024, kvLength: 1000 }],
  ['prefill S=64 past 33 GQA 8/2 hd=64 padded', { batch: 2, seqLength: 64, numHeads: 8, numKvHeads: 2, headDim: 64, maxLength: 100, kvLength: 97, mask: 'float32', maskLeadingZeros: [0, 20] }],
  ['first token S=1 kv=1 MQA 4/1 hd=64', { batch: 1, seqLength: 1, numHeads: 4, numKvHeads: 1, headDim: 64, maxLength: 8, kvLength: 1 }],
];

function attentionCases(): OpCase[] {
  return [
    ...ATTENTION_LAYOUTS.map(([name, layout]) => attentionCase('attention', name, layout)),
    ...ATTENTION_LAYOUTS.map(([name, layout]) => attentionCase('attentionWeights', name, layout)),
  ];
}

function elementwiseCases(): OpCase[] {
  const shapes = [[3, 77], [2, 5, 129], [1, 1, 1000]];
  return shapes.flatMap((shape): OpCase[] => [
    { op: 'siluMul', name: `siluMul [${shape}]`, shapes: { gate: shape, up: shape }, dtypes: ['float32', 'float32'], params: { amplitude: 6 }, bound: BOUND.elementwise },
    { op: 'add', name: `add [${shape}]`, shapes: { a: shape, b: shape }, dtypes: ['float32', 'float32'], params: {}, bound: BOUND.elementwise },
  ]);
}

function softmaxCases(): OpCase[] {
  return [
    { op: 'softmax', name: 'softmax [3,77]', shapes: { x: [3, 77] }, dtypes: ['float32'], params: {}, bound: BOUND.elementwise },
    { op: 'softmax', name: 'softmax [2,129] amplitude 30', shapes: { x: [2, 129] }, dtypes: ['float32'], params: { amplitude: 30 }, bound: BOUND.elementwise },
    { op: 'softmax', name: 'softmax [1,32000]', shapes: { x: [1, 32000] }, dtypes: ['float32'], params: { amplitude: 8 }, bound: BOUND.elementwise },
    { op: 'softmax', name: 'softmax [2,128256]', shapes: { x: [2, 128256] }, dtypes: ['float32'], params: { amplitude: 8 }, bound: BOUND.elementwise },
  ];
}

function selectCases(): OpCase[] {
  return [
    { op: 'argmax', name: 'argmax [4,1000]', shapes: { x: [4, 1000] }, dtypes: ['float32'], params: {}, bound: BOUND.exact },
    { op: 'argmax', name: 'argmax [2,3,77]', shapes: { x: [2, 3, 77] }, dtypes: ['float32'], params: {}, bound: BOUND.exact },
    { op: 'argmax', name: 'argmax [1,128256]', shapes: { x: [1, 128256] }, dtypes: ['float32'], params: {}, bound: BOUND.exact },
    { op: 'topk', name: 'topk [3,1000] k=1', shapes: { x: [3, 1000] }, dtypes: ['float32'], params: { k: 1 }, bound: BOUND.exact },
    { op: 'topk', name: 'topk [3,1000] k=5', shapes: { x: [3, 1000] }, dtypes: ['float32'], params: { k: 5 }, bound: BOUND.exact },
    { op: 'topk', name: 'topk [2,32000] k=50', shapes: { x: [2, 32000] }, dtypes: ['float32'], params: { k: 50 }, bound: BOUND.exact },
    { op: 'topk', name: 'topk [2,129] k=129 (full sort)', shapes: { x: [2, 129] }, dtypes: ['float32'], params: { k: 129 }, bound: BOUND.exact },
  ];
}

function castCases(): OpCase[] {
  const pairs: [DType, DType][] = [
    ['float32', 'float16'], ['float32', 'bfloat16'], ['float16', 'float32'], ['bfloat16', 'float32'],
    ['float16', 'bfloat16'], ['bfloat16', 'float16'], ['float32', 'int32'], ['int32', 'float32'],
    ['int32', 'float16'], ['int32', 'bfloat16'], ['float16', 'int32'],
  ];
  return pairs.map(([from, to]) => ({ op: 'cast', name: `cast ${short(from)} -> ${short(to)} [7,131]`, shapes: { x: [7, 131] }, dtypes: [from, to], params: {}, bound: BOUND.exact }));
}

/**
 * llama.cpp's block formats as weights (quantized from uniform floats by core's llama.cpp-exact quantizer): embedding
 * exactly (every backend dequantizes to llama.cpp's floats), the linears to the reduction bound; K = 256 for every
 * format, K = 96 for the 32-element ones too.
 */
function blockFormatCases(): OpCase[] {
  return QUANT_DTYPES.flatMap((q): OpCase[] => {
    const cases: OpCase[] = [
      { op: 'embedding', name: `embedding V=50 H=256 ids[3,4] ${q}`, shapes: { weight: [50, 256], ids: [3, 4] }, dtypes: [q, 'int32'], params: {}, bound: BOUND.exact },
      { op: 'linear', name: `linear decode x[1,1,256] W[77,256] ${q}`, shapes: { x: [1, 1, 256], weight: [77, 256] }, dtypes: ['float32', q], params: {}, bound: BOUND.reduction },
      { op: 'linear', name: `linear prefill x[3,512] W[129,512] +bias f32 ${q}`, shapes: { x: [3, 512], weight: [129, 512], bias: [129] }, dtypes: ['float32', q, 'float32'], params: {}, bound: BOUND.reduction },
      { op: 'linearSiluMul', name: `linearSiluMul decode x[1,256] W[77,256] ${q}`, shapes: { x: [1, 256], gate: [77, 256], up: [77, 256] }, dtypes: ['float32', q, q], params: {}, bound: BOUND.reduction },
      { op: 'linearSiluMul', name: `linearSiluMul prefill x[9,256] W[40,256] ${q}`, shapes: { x: [9, 256], gate: [40, 256], up: [40, 256] }, dtypes: ['float32', q, q], params: {}, bound: BOUND.reduction },
      { op: 'linearMany', name: `linearMany q/k/v x[2,256] W[64|32|32,256] ${q}`, shapes: { x: [2, 256], weight0: [64, 256], weight1: [32, 256], weight2: [32, 256] }, dtypes: ['float32', q, q, q], params: {}, bound: BOUND.reduction },
    ];
    if (quantBlock(q).blockElements === 32) {
      cases.push({ op: 'linear', name: `linear x[2,96] W[33,96] ${q}`, shapes: { x: [2, 96], weight: [33, 96] }, dtypes: ['float32', q], params: {}, bound: BOUND.reduction });
    }
    return cases;
  });
}

/** Every case, grouped by op in the order of `OP_NAMES`. */
export const OP_CASES: readonly OpCase[] = [
  ...embeddingCases(),
  ...rmsNormCases(),
  ...addRmsNormCases(),
  ...linearCases(),
  ...linearSiluMulCases(),
  ...linearManyCases(),
  ...ropeCases(),
  ...kvWriteCases(),
  ...attentionCases(),
  ...elementwiseCases(),
  ...softmaxCases(),
  ...selectCases(),
  ...castCases(),
  ...blockFormatCases(),
] as OpCase[];
