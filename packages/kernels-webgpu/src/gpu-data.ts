import type { Tensor } from '@cria/core';

/**
 * The handle of a WebGPU tensor's Storage: one buffer, or, for a tensor larger than one binding may
 * be, several buffers each holding `chunkElements` consecutive elements (the last one fewer).
 * Chunks always start on a row of the tensor's first dimension as uploaded.
 */
export interface GpuData {
  readonly chunks: readonly GPUBuffer[];
  /** Elements per chunk (the whole tensor when there is one chunk). */
  readonly chunkElements: number;
}

export function gpuData(tensor: Tensor): GpuData {
  return tensor.storage.handle as GpuData;
}

/** The single buffer of a tensor that was not split. */
export function singleBuffer(tensor: Tensor, what: string): GPUBuffer {
  const data = gpuData(tensor);
  if (data.chunks.length !== 1) {
    throw new RangeError(`${what} ${tensor} is split across ${data.chunks.length} buffers (larger than one binding); only weights of embedding and linear may be`);
  }
  return data.chunks[0]!;
}
