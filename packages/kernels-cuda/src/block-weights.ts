// llama.cpp block-format weights (GGUF blocks unchanged) on the CUDA backend: which formats its kernels read
// (native/kernels/block_weights.cu) and the op-signature rows that say so (core's BLOCK_WEIGHT_SIGNATURES narrowed to
// them). linear and embedding run those kernels; linearSiluMul and linearMany with block weights are composed from
// linear (and siluMul), which keeps their contract: the numbers of linear, linear, siluMul / linear per weight.
import { type QuantDType, narrowBlockSignatures } from '@cria/core';
import { BLOCK_FORMAT_CODE } from './binding.js';

/** The block formats native/kernels/block_weights.cu reads (all of core's QuantDType). */
export const CUDA_BLOCK_FORMATS: readonly QuantDType[] = ['q8_0', 'q4_k', 'q6_k', 'q4_0', 'q5_k', 'q4_1', 'q5_0', 'q5_1'];

/** The native format code of a block dtype (binding.ts BLOCK_FORMAT_CODE, native/block_weights.h BlockFormat). */
export const blockFormatCode = (dtype: QuantDType): number => BLOCK_FORMAT_CODE[dtype];

/** The CUDA backend's rows for embedding, linear, linearSiluMul and linearMany: float weights and CUDA_BLOCK_FORMATS. */
export const CUDA_BLOCK_WEIGHT_SIGNATURES = narrowBlockSignatures(CUDA_BLOCK_FORMATS);
