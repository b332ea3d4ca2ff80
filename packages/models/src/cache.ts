// KV caches: per layer a key and a value tensor [B, numKvHeads, capacity, headDim] (float32),
// written by backend.kvWrite and read by backend.attention. Passed to forward() as past_key_values.
import { ArgumentError, type Backend, type Tensor } from '@cria/core';

export interface LayerCache {
  keys: Tensor;
  values: Tensor;
}

/** The shape a model needs of a cache. */
export interface CacheShape {
  batch: number;
  numLayers: number;
  numKvHeads: number;
  headDim: number;
}

export abstract class Cache {
  protected layers: LayerCache[] = [];
  protected shape: CacheShape | null = null;
  protected capacity = 0;
  #seqLength = 0;
  #backend: Backend | null = null;

  /** Tokens already held (transformers' get_seq_length()). */
  get_seq_length(): number {
    return this.#seqLength;
  }

  /** Slots allocated per layer. */
  get maxLength(): number {
    return this.capacity;
  }

  /** The layer caches, with room for `newTokens` more tokens (allocating or growing as the cache type allows). */
  async prepare(backend: Backend, shape: CacheShape, newTokens: number): Promise<LayerCache[]> {
    if (this.#backend && this.#backend !== backend) {
      throw new ArgumentError(`past_key_values lives on backend '${this.#backend.name}', the model on '${backend.name}'`);
    }
    if (this.shape) {
      for (const key of ['batch', 'numLayers', 'numKvHeads', 'headDim'] as const) {
        if (this.shape[key] !== shape[key]) {
          throw new ArgumentError(`past_key_values was built for ${key} ${this.shape[key]}, this forward needs ${shape[key]}`);
        }
      }
    }
    this.#backend = backend;
    this.shape = shape;
    const needed = this.#seqLength + newTokens;
    if (needed > this.capacity) await this.grow(backend, shape, needed);
    return this.layers;
  }

  /** Records that `n` tokens were written after the held ones. */
  advance(n: number): void {
    this.#seqLength += n;
  }

  /** Makes room for `needed` tokens, keeping the held ones. */
  protected abstract grow(backend: Backend, shape: CacheShape, needed: number): Promise<void>;

  /** Layers of `capacity` slots holding the first get_seq_length() tokens of the old ones (copied through host memory). */
  protected async reallocate(backend: Backend, shape: CacheShape, capacity: number): Promise<void> {
    const { batch, numKvHeads, headDim, numLayers } = shape;
    const held = this.#seqLength;
    const oldCapacity = this.capacity;
    const copy = async (old: Tensor | undefined): Promise<Tensor> => {
      const out = new Float32Array(batch * numKvHeads * capacity * headDim);
      if (old && held > 0) {
        const data = (await backend.read(old)) as Float32Array;
        for (let r = 0; r < batch * numKvHeads; r++) {
          out.set(data.subarray(r * oldCapacity * headDim, (r * oldCapacity + held) * headDim), r * capacity * headDim);
        }
      }
      return backend.upload(out, [batch, numKvHeads, capacity, headDim], 'float32');
    };
    const layers: LayerCache[] = [];
    for (let i = 0; i < numLayers; i++) {
      const old = this.layers[i];
      layers.push({ keys: await copy(old?.keys), values: await copy(old?.values) });
      old?.keys.dispose();
      old?.values.dispose();
    }
    this.layers = layers;
    this.capacity = capacity;
  }

  dispose(): void {
    for (const layer of this.layers) {
      layer.keys.dispose();
      layer.values.dispose();
    }
    this.layers = [];
    this.capacity = 0;
    this.#seqLength = 0;
    this.shape = null;
    this.#backend = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * A cache that grows as tokens come (transformers' DynamicCache). Growing copies through host memory
 * and doubles the size; pass `capacity` to allocate enough at once (generate() does).
 */
export class DynamicCache extends Cache {
  readonly #initialCapacity: number;

  constructor(options: { capacity?: number } = {}) {
    super();
    this.#initialCapacity = options.capacity ?? 0;
  }

  protected async grow(backend: Backend, shape: CacheShape, needed: number): Promise<void> {
    await this.reallocate(backend, shape, Math.max(needed, this.#initialCapacity, this.capacity * 2));
  }
}

/** A cache of fixed size allocated once (transformers' StaticCache): more tokens than max_cache_len is an error. */
export class StaticCache extends Cache {
  readonly max_cache_len: number;

  constructor(options: { max_cache_len: number }) {
    super();
    if (!Number.isInteger(options?.max_cache_len) || options.max_cache_len < 1) {
      throw new ArgumentError(`StaticCache: 'max_cache_len' must be a positive integer, got ${String(options?.max_cache_len)}`);
    }
    this.max_cache_len = options.max_cache_len;
  }

  protected async grow(backend: Backend, shape: CacheShape, needed: number): Promise<void> {
    if (needed > this.max_cache_len) {
      throw new ArgumentError(`StaticCache: ${needed} tokens do not fit in max_cache_len ${this.max_cache_len}`);
    }
    await this.reallocate(backend, shape, this.max_cache_len);
  }
}
