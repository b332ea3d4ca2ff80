import { DTYPE_BYTES, typedArrayFromBytes, typedArrayView } from '../dtype.js';
import { ArgumentError, CriaError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { type Tensor, hostTensor } from '../tensor.js';
import { compareCodePoints } from './code-point-order.js';
import type { SafetensorsCheckpoint, SafetensorsTensorInfo } from './types.js';

/** One opened file of a checkpoint. */
export interface OpenedSafetensorsFile {
  /** The name the checkpoint lists it under (a shard name, or the single file's name). */
  file: string;
  source: ByteSource;
  metadata: Record<string, string>;
}

/**
 * A checkpoint over already-opened files and a table of the tensors they hold. Reads go to one
 * tensor's byte range at a time.
 */
export class LazySafetensorsCheckpoint implements SafetensorsCheckpoint {
  readonly metadata: Record<string, string>;
  readonly files: string[];
  readonly #tensors: Map<string, SafetensorsTensorInfo>;
  readonly #sources: Map<string, ByteSource>;
  readonly #names: string[];
  #closed = false;

  constructor(
    opened: readonly OpenedSafetensorsFile[],
    tensors: Map<string, SafetensorsTensorInfo>,
    readonly indexMetadata: Record<string, unknown> = {},
  ) {
    this.files = opened.map((o) => o.file);
    this.#sources = new Map(opened.map((o) => [o.file, o.source]));
    // Earlier files win, so the first shard's __metadata__ is what a reader sees for shared keys.
    this.metadata = Object.assign({}, ...[...opened].reverse().map((o) => o.metadata)) as Record<string, string>;
    this.#tensors = tensors;
    this.#names = [...tensors.keys()].sort(compareCodePoints);
  }

  keys(): string[] {
    return [...this.#names];
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.#tensors.get(name);
    if (!info) throw new ArgumentError(`no tensor named '${name}' in ${this.#describe()}`);
    return { ...info, shape: [...info.shape] };
  }

  async getBytes(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    if (this.#closed) throw new CriaError(`${this.#describe()}: read of '${name}' after close()`);
    return this.#sources.get(info.file)!.read(info.byteOffset, info.byteLength);
  }

  async get(name: string): Promise<Tensor> {
    const info = this.info(name);
    const dtype = info.dtype;
    if (dtype === null) {
      throw new ArgumentError(`tensor '${name}' in ${info.file} has safetensors dtype ${info.safetensorsDtype}, which no cria DType holds; read its raw bytes with getBytes('${name}')`);
    }
    const bytes = await this.getBytes(name);
    const length = info.byteLength / DTYPE_BYTES[dtype];
    // A fresh read that owns its whole buffer is already aligned: take it without a copy.
    const ownsBuffer = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength && bytes.buffer instanceof ArrayBuffer;
    const data = ownsBuffer ? typedArrayView(dtype, bytes.buffer, 0, length) : typedArrayFromBytes(dtype, bytes);
    return hostTensor(data, info.shape, dtype);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeAll([...this.#sources.values()]);
  }

  /** `await using checkpoint = await openSafetensors(...)` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #describe(): string {
    return this.files.length === 1 ? this.files[0]! : `the checkpoint of ${this.files.length} files (${this.files[0]}, ...)`;
  }
}

/** Closes every source, then rethrows the first failure. */
export async function closeAll(sources: readonly ByteSource[]): Promise<void> {
  const results = await Promise.allSettled(sources.map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
