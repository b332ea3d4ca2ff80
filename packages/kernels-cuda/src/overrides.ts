// What the CUDA backend does differently from the op contract of @cria/core: KV caches may also be float16 or
// bfloat16 (the kernels narrow on write and widen on read), and the device limits of its kernels.
import { CUDA_BLOCK_WEIGHT_SIGNATURES } from './block-weights.js';
import { type DType, MASK_DTYPES, type OpLimit, type OpName, type TensorSpec, WEIGHT_DTYPES, signatureMismatch, withSignatures } from '@cria/core';

/** The largest head size the fused attention kernels are compiled for (attention.cu lanesPerDim). */
export const MAX_ATTENTION_HEAD_DIM = 256;
/** attention.cu: queries from this many on run the flash kernel, whose grid holds batch * numHeads in one dimension. */
const FLASH_MIN_QUERIES = 16;
const MAX_GRID_Y = 65535;

/**
 * The dtype table: core's, with half-precision caches for kvWrite, attention (k and v of one dtype) and attentionWeights,
 * and llama.cpp block-format weights for embedding and the linear ops (block-weights.ts: the formats the kernels read).
 */
export const CUDA_SIGNATURES = withSignatures({
  ...CUDA_BLOCK_WEIGHT_SIGNATURES,
  kvWrite: { names: ['cache', 'src'], required: [WEIGHT_DTYPES, ['float32']] },
  attention: { names: ['q', 'kCache', 'vCache', 'options.mask'], required: [['float32'], WEIGHT_DTYPES, WEIGHT_DTYPES], optional: [MASK_DTYPES], sameDType: [[1, 2]] },
  attentionWeights: { names: ['q', 'kCache', 'options.mask'], required: [['float32'], WEIGHT_DTYPES], optional: [MASK_DTYPES] },
});

/** Whether `op` runs for these dtypes on the CUDA backend (the dtype question alone, without a device). */
export function cudaSupports(op: OpName, dtypes: readonly DType[]): boolean {
  const signature = CUDA_SIGNATURES[op];
  return signature !== undefined && signatureMismatch(signature, dtypes) === null;
}

/**
 * attention's device limits, from q [B, S, numHeads * headDim] and kCache [B, numKvHeads, maxLength, headDim]: the head
 * size the kernels are compiled for; the flash kernel's grid (S >= 16); and, `capturing` a CUDA graph, the decode step
 * whose attention reads its kvLength on the device (attentionAt): that kernel takes S < 16.
 */
export function attentionLimit(q: TensorSpec, kCache: TensorSpec, capturing: boolean): string | undefined {
  const headDim = kCache.shape[3] ?? 0;
  const [batch = 0, seq = 0, width = 0] = q.shape;
  if (headDim > MAX_ATTENTION_HEAD_DIM) return `head size ${headDim} is above the ${MAX_ATTENTION_HEAD_DIM} the attention kernels are compiled for`;
  if (capturing && seq >= FLASH_MIN_QUERIES) return `a captured step's attention reads kvLength on the device (attentionAt), which the decode kernel does for S < ${FLASH_MIN_QUERIES}, not ${seq}`;
  const heads = headDim === 0 ? 0 : width / headDim;
  if (seq >= FLASH_MIN_QUERIES && batch * heads > MAX_GRID_Y) return `batch * numHeads = ${batch * heads} is above the flash kernel's ${MAX_GRID_Y}`;
  return undefined;
}

/** The CUDA backend's device limits (`capturing`: whether a CUDA graph is being captured). */
export function cudaLimit(capturing: () => boolean): OpLimit {
  return (op, inputs) => (op === 'attention' && inputs.length >= 3 ? attentionLimit(inputs[0]!, inputs[1]!, capturing()) : undefined);
}
