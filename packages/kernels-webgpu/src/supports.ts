import type { DType, OpName } from '@cria/core';
import { CAST_DTYPES } from './kernels/cast.js';

const WEIGHT: readonly DType[] = ['float32', 'float16', 'bfloat16'];
const F32: readonly DType[] = ['float32'];
const MASK: readonly DType[] = ['float32', 'int32'];

/**
 * The dtypes each op accepts, argument by argument (in the op's argument order); `optional` arguments
 * may be left out of the list. cast takes the input dtype and, optionally, the target dtype.
 */
const SIGNATURES: Record<OpName, { required: readonly (readonly DType[])[]; optional: readonly (readonly DType[])[] }> = {
  embedding: { required: [WEIGHT, ['int32']], optional: [] },
  rmsNorm: { required: [F32, WEIGHT], optional: [] },
  addRmsNorm: { required: [F32, F32, WEIGHT], optional: [] },
  linear: { required: [F32, WEIGHT], optional: [WEIGHT] },
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

/** Whether the WebGPU backend runs `op` for these input dtypes. */
export function supportsOp(op: OpName, dtypes: readonly DType[]): boolean {
  const signature = SIGNATURES[op];
  if (!signature) return false;
  const { required, optional } = signature;
  if (dtypes.length < required.length || dtypes.length > required.length + optional.length) return false;
  return dtypes.every((dtype, i) => (required[i] ?? optional[i - required.length])!.includes(dtype));
}
