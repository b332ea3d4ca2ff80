// The op-signature table of the WebGPU backend: core's table with BLOCK_WEIGHT_SIGNATURES' rows (block-format weights
// for embedding and the linear ops) narrowed to the block formats this backend's kernels read.
import { type OpSignatures, narrowBlockSignatures, withSignatures } from '@cria/core';
import { BLOCK_KERNEL_DTYPES } from './kernels/block-formats.js';

/** What the WebGPU backend takes: the float weights, and the block formats of BLOCK_KERNEL_DTYPES. */
export const WEBGPU_SIGNATURES: OpSignatures = withSignatures(narrowBlockSignatures(BLOCK_KERNEL_DTYPES));
