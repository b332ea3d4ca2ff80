// What the loader needs of a checkpoint.
import type { DType, Tensor } from '@cria/core';

/** Where a tensor sits and what it holds. */
export interface WeightInfo {
  dtype: DType | null;
  shape: readonly number[];
  /** The file holding it, relative to the model directory (progress is reported per file). */
  file?: string;
  /** Its first byte in that file (the loader reads a file's tensors in this order). */
  byteOffset?: number;
}

/** A checkpoint as the loader reads it (a SafetensorsCheckpoint satisfies the required part). */
export interface WeightSource {
  keys(): string[];
  info(name: string): WeightInfo;
  /** The whole tensor in host memory, in its stored dtype. */
  get(name: string): Promise<Tensor>;
  /**
   * Optional ranged reads: fills `target` with the `target.byteLength` bytes at `offset` of tensor `name`'s
   * stored data. With it (and a backend with uploadByRanges) tensors are loaded chunk by chunk.
   */
  readTensorRange?(name: string, offset: number, target: Uint8Array): Promise<void>;
  /**
   * Optional: where tensor `name`'s stored bytes sit in a local file (absolute path, byte offset), for a backend that
   * maps files (`Backend.mapFile`); undefined where they are not in one.
   */
  filePosition?(name: string): { path: string; byteOffset: number } | undefined;
}
