import type { ElementDType, TypedArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** Where one tensor sits in a safetensors file and what it holds. */
export interface SafetensorsTensorInfo {
  name: string;
  /**
   * The cria DType that holds the stored elements, or null for safetensors dtypes cria has no
   * DType for (I16, U16, U32, U64, C64, F8_*, F6_*, F4): read those with getBytes().
   */
  dtype: ElementDType | null;
  /** The dtype as the file names it ('F32', 'BF16', 'F8_E4M3', ...). */
  safetensorsDtype: string;
  shape: number[];
  /** The file holding the tensor: a shard's name inside the directory, or the single file's name. */
  file: string;
  /** Absolute offset of the first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

/** A safetensors checkpoint (one file or the shards of an index), opened lazily. */
export interface SafetensorsCheckpoint {
  /** The `__metadata__` of every file merged (earlier files win on conflicts). */
  readonly metadata: Record<string, string>;
  /** The `metadata` object of model.safetensors.index.json (e.g. { total_size }), or {} for a single file. */
  readonly indexMetadata: Record<string, unknown>;
  readonly files: string[];
  /** Tensor names, sorted by code point (as safetensors' safe_open().keys()). */
  keys(): string[];
  has(name: string): boolean;
  info(name: string): SafetensorsTensorInfo;
  /** Reads one tensor (just its byte range) into a fresh host tensor of the stored dtype. */
  get(name: string): Promise<Tensor>;
  /** Reads one tensor's raw little-endian bytes. */
  getBytes(name: string): Promise<Uint8Array>;
  /** Closes every file the checkpoint opened. */
  close(): Promise<void>;
}

/** A tensor to write: `data` is a typed array of the dtype's host type, or its raw little-endian bytes. */
export interface SafetensorsTensorInput {
  dtype: ElementDType;
  shape: readonly number[];
  data: TypedArray | Uint8Array;
}

/** A tensor a writer plans to write (its data comes later). */
export interface SafetensorsTensorSpec {
  name: string;
  dtype: ElementDType;
  shape: readonly number[];
}
