import type { Backend, Tensor } from '@cria/core';
import type { LayerCache } from '../cache.js';
import type { KvAccess } from './kv-access.js';

/** What every layer of one forward pass shares. */
export interface ForwardContext {
  backend: Backend;
  /** int32 [B, S] */
  positions: Tensor;
  /** float32 [headDim / 2] */
  invFreq: Tensor;
  attentionScaling: number;
  /** How the pass writes its keys and values and attends over the cache. */
  kv: KvAccess;
}

export type { LayerCache };
