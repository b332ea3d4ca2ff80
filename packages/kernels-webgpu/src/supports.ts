import type { DType, OpName } from '@cria/core';
import { CAST_DTYPES } from './kernels/cast.js';

const WEIGHT: readonly DType[] = ['float32', 'float16', 'bfloat16'];
const F32: readonly DType[] = ['float32'];
const MASK: readonly DType[] = ['float32', 'int32'];

interface Signature {
  required: readonly (readonly DType[])[];
  optional: readonly (readonly DType[])[];
  /** Pairs of argument positions whose dtypes must be equal when both are given. */
  sameDType?: readonly (readonly [number, number])[];
  /** The optional arguments are given all together or not at all. */
  allOptionalOrNone?: boolean;
}

/**
 * The dtypes each op accepts, argument by argument (in the op's argument order); `optional` arguments
 * may be left out of the list. cast takes the input dtype and, optionally, the target dtype.
 * linearSiluMul takes its two biases together or not at all (gate and up share a dtype, as do the biases).
 */
const SIGNATURES: Record<Exclude<OpName, 'linearMany'>, Signature> = {
  embedding: { required: [WEIGHT, ['int32']], optional: [] },
  rmsNorm: { required: [F32, WEIGHT], optional: [] },
  addRmsNorm: { required: [F32, F32, WEIGHT], optional: [] },
  linear: { required: [F32, WEIGHT], optional: [WEIGHT] },
  linearSiluMul: { required: [F32, WEIGHT, WEIGHT], optional: [WEIGHT, WEIGHT], sameDType: [[1, 2], [3, 4]], allOptionalOrNone: true },
  rope: { required: [F32, ['int32'], F32], optional: [] },
  kvWrite: { required: [F32, F32], optional: [] },
  attention: { required: [F32, F32, F32], optional: [MASK] },
  attentionWeights: { required: [F32, F32], optional: [MASK] },
  siluMul: { required: [F32, F32], optional: [] },
  add: { required: [F32, F32], optional: [] },
  softmax: { required: [F32], optional: [] },
  argmax: { required: [F32], optional: [] },
  topk: { required: [F32], optional: [] },
  cast: { required: [CAST_DTYPES], optional: [CAST_DTYPES] },
};

/** linearMany's [x, ...weights, ...biases] read with `weightCount` weights: float32 x, one weight dtype, one bias dtype. */
function manyMatches(dtypes: readonly DType[], weightCount: number): boolean {
  const [x, ...rest] = dtypes;
  const weights = rest.slice(0, weightCount);
  const biases = rest.slice(weightCount);
  const same = (list: readonly DType[]) => list.every((d) => d === list[0] && WEIGHT.includes(d));
  return x === 'float32' && weights.length > 0 && same(weights) && same(biases);
}

/** linearMany: n weights, or n weights and n biases (as the cpu backend reads the list). */
function supportsMany(dtypes: readonly DType[]): boolean {
  const rest = dtypes.length - 1;
  return manyMatches(dtypes, rest) || (rest % 2 === 0 && manyMatches(dtypes, rest / 2));
}

/** Whether the WebGPU backend runs `op` for these input dtypes. */
export function supportsOp(op: OpName, dtypes: readonly DType[]): boolean {
  if (op === 'linearMany') return supportsMany(dtypes);
  const signature = SIGNATURES[op];
  if (!signature) return false;
  const { required, optional, sameDType = [], allOptionalOrNone = false } = signature;
  if (dtypes.length < required.length || dtypes.length > required.length + optional.length) return false;
  if (allOptionalOrNone && dtypes.length !== required.length && dtypes.length !== required.length + optional.length) return false;
  if (sameDType.some(([i, j]) => i < dtypes.length && j < dtypes.length && dtypes[i] !== dtypes[j])) return false;
  return dtypes.every((dtype, i) => (required[i] ?? optional[i - required.length])!.includes(dtype));
}
