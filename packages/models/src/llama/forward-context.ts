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
  /**
   * A captured decode step (see generation/decode-graph.ts): the cache slot and the valid length are int32 [1]
   * tensors read on the device when the step runs, so `offset` is not used, and `mask` is [B, cache capacity].
   */
  devicePosition?: DevicePosition;
}

/** Where a captured decode step writes and how far it attends, as int32 [1] device tensors. */
export interface DevicePosition {
  /** The cache slot of the new token (the tokens held before the step). */
  offset: Tensor;
  /** offset + 1. */
  kvLength: Tensor;
}

/** One layer's output: the new hidden state and, when asked, its attention probabilities. */
export interface LayerOutput {
  hidden: Tensor;
  attentions?: Tensor;
}

export type { LayerCache };
