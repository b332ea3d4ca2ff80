// A PyTorch state dict whose tensors are references into storages that a StorageAccess reads by
// range: the zip archive's data/<key> entries, or the storage records of the legacy format.
import { ArgumentError, FileFormatError, hostTensor, shapeSize, typedArrayFromBytes, type DType, type Tensor } from '@cria/core';
import { PickleDict, type PickleValue } from '../pickle/values.js';
import { isContiguous, readStrided, stridedExtent } from './strided-read.js';
import { TORCH_DTYPE_BYTES, isTensorRef, type TensorRef, type TorchDType } from './torch-policy.js';

export interface PytorchTensorInfo {
  readonly name: string;
  /** The cria DType, or null for int16 (read those with getBytes). */
  readonly dtype: DType | null;
  /** The dtype as torch names it. */
  readonly torchDtype: TorchDType;
  readonly shape: readonly number[];
  /** Strides in elements, as torch reports them. */
  readonly stride: readonly number[];
  readonly contiguous: boolean;
  /** Bytes of the tensor once read (row-major, contiguous). */
  readonly byteLength: number;
  readonly storageKey: string;
  /** Element offset inside the storage. */
  readonly storageOffset: number;
}

/** Shaped like @cria/core's SafetensorsCheckpoint, so loaders can take either. */
export interface PytorchCheckpoint {
  readonly file: string;
  /** Tensor names in the order the pickle lists them. */
  keys(): string[];
  has(name: string): boolean;
  info(name: string): PytorchTensorInfo;
  /** The tensor's bytes, row-major and contiguous, little-endian (strided views are gathered). */
  getBytes(name: string): Promise<Uint8Array>;
  /**
   * Writes the tensor's bytes into `target` (exactly `info(name).byteLength` bytes), so a caller
   * can reuse one buffer across tensors.
   */
  getBytesInto(name: string, target: Uint8Array): Promise<void>;
  /** The tensor in host memory. */
  get(name: string): Promise<Tensor>;
  close(): Promise<void>;
}

/** Where the bytes of each storage are. */
export interface StorageAccess {
  readonly file: string;
  /** Bytes available in storage `key`, or undefined if there is no such storage. */
  storageBytes(key: string): number | undefined;
  /** Where errors should say storage `key` lives. */
  describe(key: string): string;
  readInto(key: string, byteOffset: number, target: Uint8Array): Promise<void>;
  read(key: string, byteOffset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class LazyCheckpoint implements PytorchCheckpoint {
  constructor(
    readonly storages: StorageAccess,
    readonly tensors: ReadonlyMap<string, TensorRef>,
  ) {}

  /** Builds the checkpoint from the unpickled root, checking every tensor against its storage. */
  static fromRoot(storages: StorageAccess, root: PickleValue, where: string): LazyCheckpoint {
    const tensors = new Map<string, TensorRef>();
    collectTensors(root, '', tensors, where);
    for (const [name, ref] of tensors) checkTensor(storages, name, ref);
    return new LazyCheckpoint(storages, tensors);
  }

  get file(): string {
    return this.storages.file;
  }

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  ref(name: string): TensorRef {
    const ref = this.tensors.get(name);
    if (!ref) throw new FileFormatError(this.file, `checkpoint has no tensor '${name}'`);
    return ref;
  }

  info(name: string): PytorchTensorInfo {
    const ref = this.ref(name);
    return {
      name,
      dtype: ref.dtype === 'int16' ? null : ref.dtype,
      torchDtype: ref.dtype,
      shape: ref.shape,
      stride: ref.stride,
      contiguous: isContiguous(ref.shape, ref.stride),
      byteLength: shapeSize(ref.shape) * TORCH_DTYPE_BYTES[ref.dtype],
      storageKey: ref.storage.key,
      storageOffset: ref.storageOffset,
    };
  }

  async getBytes(name: string): Promise<Uint8Array> {
    const ref = this.ref(name);
    const out = new Uint8Array(shapeSize(ref.shape) * TORCH_DTYPE_BYTES[ref.dtype]);
    await this.getBytesInto(name, out);
    return out;
  }

  async getBytesInto(name: string, out: Uint8Array): Promise<void> {
    const ref = this.ref(name);
    const itemSize = TORCH_DTYPE_BYTES[ref.dtype];
    const byteLength = shapeSize(ref.shape) * itemSize;
    if (out.byteLength !== byteLength) throw new ArgumentError(`getBytesInto('${name}'): target has ${out.byteLength} bytes; the tensor has ${byteLength}`);
    const key = ref.storage.key;
    if (isContiguous(ref.shape, ref.stride)) {
      if (byteLength > 0) await this.storages.readInto(key, ref.storageOffset * itemSize, out);
      return;
    }
    await readStrided(
      { offset: ref.storageOffset, shape: ref.shape, stride: ref.stride, itemSize },
      (offset, length) => this.storages.read(key, offset, length),
      out,
      Math.max(2 * out.byteLength, 64 * 1024 * 1024),
    );
  }

  async get(name: string): Promise<Tensor> {
    const ref = this.ref(name);
    if (ref.dtype === 'int16') throw new FileFormatError(this.file, `tensor '${name}' is int16, which cria has no dtype for`);
    const dtype: DType = ref.dtype;
    return hostTensor(typedArrayFromBytes(dtype, await this.getBytes(name)), [...ref.shape], dtype);
  }

  async close(): Promise<void> {
    await this.storages.close();
  }
}

/** Walks the unpickled root: a dict of tensors, possibly nested (`{'model': {...}}`), keys joined by '.'. */
function collectTensors(value: PickleValue, prefix: string, out: Map<string, TensorRef>, file: string): void {
  if (!(value instanceof PickleDict)) {
    throw new FileFormatError(file, `checkpoint root must be a dict of tensors${prefix ? ` (at '${prefix}')` : ''}`);
  }
  for (const [key, item] of value.entries) {
    if (typeof key !== 'string') continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (isTensorRef(item)) {
      if (out.has(name)) throw new FileFormatError(file, `tensor '${name}' appears twice`);
      out.set(name, item);
    } else if (item instanceof PickleDict) {
      collectTensors(item, name, out, file);
    }
    // Other values (an epoch counter, a version string) are not tensors and are left out.
  }
}

function checkTensor(storages: StorageAccess, name: string, ref: TensorRef): void {
  const where = storages.describe(ref.storage.key);
  const bytes = storages.storageBytes(ref.storage.key);
  if (bytes === undefined) throw new FileFormatError(storages.file, `tensor '${name}' uses storage '${ref.storage.key}', but the checkpoint has no ${where}`);
  const itemSize = TORCH_DTYPE_BYTES[ref.dtype];
  if (bytes < ref.storage.numel * itemSize) {
    throw new FileFormatError(storages.file, `storage ${where} has ${bytes} bytes; the pickle declares ${ref.storage.numel} ${ref.dtype} elements (${ref.storage.numel * itemSize} bytes)`);
  }
  const end = ref.storageOffset + stridedExtent(ref.shape, ref.stride);
  if (shapeSize(ref.shape) > 0 && end > ref.storage.numel) {
    throw new FileFormatError(
      storages.file,
      `tensor '${name}' [${ref.shape.join(', ')}] with stride (${ref.stride.join(', ')}) at offset ${ref.storageOffset} reaches element ${end}, past its storage of ${ref.storage.numel}`,
    );
  }
}
