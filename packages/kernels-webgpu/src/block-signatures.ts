// The op-signature table of the WebGPU backend: core's table with BLOCK_WEIGHT_SIGNATURES' rows (block-format weights
// for embedding and the linear ops) narrowed to the block formats this backend's kernels read.
import { BLOCK_WEIGHT_SIGNATURES, type DType, type OpName, type OpSignature, type OpSignatures, isQuantDType, withSignatures } from '@cria/core';
import { BLOCK_KERNEL_DTYPES } from './kernels/block-formats.js';

/** BLOCK_WEIGHT_SIGNATURES' rows with each list of dtypes keeping only the block formats in `implemented`. */
export function narrowBlockSignatures(implemented: readonly DType[]): Partial<Record<OpName, OpSignature>> {
  const keep = (dtypes: readonly DType[]): readonly DType[] => dtypes.filter((d) => !isQuantDType(d) || implemented.includes(d));
  const rows: Partial<Record<OpName, OpSignature>> = {};
  for (const [op, row] of Object.entries(BLOCK_WEIGHT_SIGNATURES) as [OpName, OpSignature][]) {
    rows[op] = {
      ...row,
      required: row.required.map(keep),
      ...(row.optional ? { optional: row.optional.map(keep) } : {}),
      ...(row.repeated ? { repeated: [keep(row.repeated[0]), keep(row.repeated[1])] as const } : {}),
    };
  }
  return rows;
}

/** What the WebGPU backend takes: the float weights, and the block formats of BLOCK_KERNEL_DTYPES. */
export const WEBGPU_SIGNATURES: OpSignatures = withSignatures(narrowBlockSignatures(BLOCK_KERNEL_DTYPES));
