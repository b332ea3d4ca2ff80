import { BufferUsage } from './gpu-flags.js';

/** Buffers at or above this size are allocated exactly and destroyed when freed (weights); smaller ones are pooled. */
const POOLED_LIMIT = 16 * 1024 * 1024;

/**
 * Recycles storage buffers so that a decode loop, whose tensors have the same sizes step after step,
 * allocates no GPU memory after its first step. Sizes are rounded up to buckets (4 significant bits,
 * at least 256 bytes) so that slowly growing tensors (a mask one slot longer each step) reuse buffers too.
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #usage: number;
  readonly #free = new Map<number, GPUBuffer[]>();
  /** Large buffers released while recorded, unsubmitted work may still use them: destroyed after the next submit. */
  #doomed: GPUBuffer[] = [];
  #allocated = 0;
  #created = 0;

  constructor(device: GPUDevice, usage: number = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST) {
    this.#device = device;
    this.#usage = usage;
  }

  /** Buffers created so far (a decode loop that allocates nothing leaves this unchanged). */
  get created(): number {
    return this.#created;
  }

  /** Bytes of device memory held, in use or pooled. */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /**
   * A buffer of at least `bytes` bytes (contents undefined). With `mapLarge`, a large (never pooled) buffer
   * is created mapped, so an upload can fill it without a staging copy (its `mapState` is 'mapped').
   */
  acquire(bytes: number, mapLarge = false): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.#free.get(size);
    const reused = list?.pop();
    if (reused) return reused;
    this.#created++;
    this.#allocated += size;
    return this.#device.createBuffer({ size, usage: this.#usage, mappedAtCreation: mapLarge && size >= POOLED_LIMIT });
  }

  /** Gives a buffer back: pooled if small; if large, destroyed once the work recorded so far is submitted (`collect`). */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (size >= POOLED_LIMIT) {
      this.#allocated -= size;
      this.#doomed.push(buffer);
      return;
    }
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(buffer);
  }

  /** Destroys the large buffers released before the last submit (call right after submitting); true if any. */
  collect(): boolean {
    const any = this.#doomed.length > 0;
    for (const buffer of this.#doomed) buffer.destroy();
    this.#doomed = [];
    return any;
  }

  /** Destroys the pooled (free) buffers; call with no recorded, unsubmitted work. */
  trim(): void {
    this.collect();
    for (const list of this.#free.values()) {
      for (const buffer of list) {
        this.#allocated -= buffer.size;
        buffer.destroy();
      }
    }
    this.#free.clear();
  }
}

/** The allocation size for a request: exact (4-aligned) for large buffers, else a bucket. */
export function bucketSize(bytes: number): number {
  const aligned = Math.max(4, Math.ceil(bytes / 4) * 4);
  if (aligned >= POOLED_LIMIT) return aligned;
  if (aligned <= 256) return 256;
  const top = 2 ** Math.floor(Math.log2(aligned)); // the leading power of two
  const step = top / 8; // 4 significant bits: at most 12.5% waste
  return Math.ceil(aligned / step) * step;
}
