// How one forward pass writes its keys and values into the cache and attends over it. The layers call
// `attend` and do not know which: a pass from the host (the new tokens' slots are a number) or a captured
// decode step (generation/decode-graph.ts: the slot and the valid length are device tensors read when the
// graph replays).
import { type AttentionOptions, type Backend, CriaError, type StepCapture, type Tensor, supportsStepCapture } from '@cria/core';
import type { LayerCache } from '../cache.js';

/** The attention heads of a layer, as `attention` takes them. */
export type AttentionHeads = Pick<AttentionOptions, 'numHeads' | 'numKvHeads' | 'headDim' | 'scale'>;

export interface KvAccess {
  /**
   * Writes k and v (float32 [B, S, numKvHeads * headDim]) into `cache` and attends q over it. Returns the
   * attended values [B, S, numHeads * headDim] and, when this pass materialises them, the probabilities.
   */
  attend(backend: Backend, q: Tensor, k: Tensor, v: Tensor, cache: LayerCache, heads: AttentionHeads): { output: Tensor; weights?: Tensor };
}

/** A pass whose S new tokens go to cache slots offset .. offset + S - 1 (a number the host knows). */
export class HostOffsetKv implements KvAccess {
  /**
   * `mask`: optional padding mask float32 [B, offset + S]. `materialiseWeights`: also return the attention
   * probabilities (the 'eager' implementation asked for output_attentions).
   */
  constructor(
    readonly offset: number,
    readonly mask: Tensor | undefined,
    readonly materialiseWeights: boolean,
  ) {}

  attend(b: Backend, q: Tensor, k: Tensor, v: Tensor, cache: LayerCache, heads: AttentionHeads): { output: Tensor; weights?: Tensor } {
    b.kvWrite(cache.keys, k, this.offset);
    b.kvWrite(cache.values, v, this.offset);
    const options = { ...heads, kvLength: this.offset + q.shape[1]!, ...(this.mask ? { mask: this.mask } : {}) };
    const output = b.attention(q, cache.keys, cache.values, options);
    return this.materialiseWeights ? { output, weights: b.attentionWeights(q, cache.keys, options) } : { output };
  }
}

/** Where a captured decode step writes and how far it attends, as int32 [1] device tensors. */
export interface DevicePosition {
  /** The cache slot of the new token (the tokens held before the step). */
  offset: Tensor;
  /** offset + 1. */
  kvLength: Tensor;
}

/** A captured decode step: one token per row, its slot and the valid length read on the device. */
export class DevicePositionKv implements KvAccess {
  /** `mask`: optional padding mask float32 [B, cache capacity]. */
  constructor(
    readonly at: DevicePosition,
    readonly mask: Tensor | undefined,
  ) {}

  attend(b: Backend, q: Tensor, k: Tensor, v: Tensor, cache: LayerCache, heads: AttentionHeads): { output: Tensor } {
    const capture = capturing(b);
    capture.kvWriteAt(cache.keys, k, this.at.offset);
    capture.kvWriteAt(cache.values, v, this.at.offset);
    return { output: capture.attentionAt(q, cache.keys, cache.values, { ...heads, kvLength: this.at.kvLength, ...(this.mask ? { mask: this.mask } : {}) }) };
  }
}

function capturing(b: Backend): Backend & StepCapture {
  if (!supportsStepCapture(b)) throw new CriaError(`backend '${b.name}' cannot capture a decode step`);
  return b;
}
