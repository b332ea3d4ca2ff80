import type { Backend, Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';

/** What every layer of one forward pass shares. */
export interface ForwardContext {
  backend: Backend;
  /** int32 [B, S] */
  positions: Tensor;
  /** float32 [headDim / 2] */
  invFreq: Tensor;
  attentionScaling: number;
  /** Slots already in the cache before this pass; the new S tokens go to offset .. offset+S-1. */
  offset: number;
  /** Optional padding mask float32 [B, offset + S]: 0 hides that key slot. */
  mask?: Tensor;
  /** Whether to materialise the attention probabilities. */
  outputAttentions: boolean;
}

/** One layer's output: the new hidden state and, when asked, its attention probabilities. */
export interface LayerOutput {
  hidden: Tensor;
  attentions?: Tensor;
}

export type { LayerCache };
