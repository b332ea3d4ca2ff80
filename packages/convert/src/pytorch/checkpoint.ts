// openPytorchCheckpoint: a torch.save zip archive (`.pth`, `pytorch_model.bin`) read safely and
// lazily. The pickle is run under the tensor allow-list; tensors stay references (storage key,
// offset, shape, stride, dtype) until `get`/`readBytes`, which read their bytes by range.
import { ArgumentError, FileFormatError, hostTensor, shapeSize, typedArrayFromBytes, type DType, type Tensor } from '@cria/core';
import type { ByteSource } from '@cria/core';
import { openFileRanges } from '../zip/file-ranges.js';
import { unpickle } from '../pickle/unpickler.js';
import { PickleDict, type PickleValue } from '../pickle/values.js';
import { ZipArchive } from '../zip/zip-reader.js';
import { contiguousStrides, isContiguous, readStrided, stridedExtent } from './strided-read.js';
import { TORCH_DTYPE_BYTES, TorchPicklePolicy, isTensorRef, type TensorRef, type TorchDType } from './torch-policy.js';

/** data.pkl is read whole; PyTorch's are kilobytes even for 405B models. */
const MAX_PICKLE_BYTES = 512 * 1024 * 1024;

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

/** Opens a PyTorch zip checkpoint by path or byte source. Nothing but data.pkl is read up front. */
export async function openPytorchCheckpoint(input: string | ByteSource): Promise<PytorchCheckpoint> {
  const source = typeof input === 'string' ? await openFileRanges(input) : input;
  try {
    const archive = await ZipArchive.open(source);
    return await ZipCheckpoint.load(archive);
  } catch (error) {
    await source.close();
    throw error;
  }
}

class ZipCheckpoint implements PytorchCheckpoint {
  private constructor(
    readonly archive: ZipArchive,
    readonly prefix: string,
    readonly tensors: ReadonlyMap<string, TensorRef>,
  ) {}

  get file(): string {
    return this.archive.name;
  }

  static async load(archive: ZipArchive): Promise<ZipCheckpoint> {
    const file = archive.name;
    const pickles = archive.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl');
    if (pickles.length === 0) throw new FileFormatError(file, 'zip archive has no <name>/data.pkl: not a PyTorch checkpoint');
    if (pickles.length > 1) throw new FileFormatError(file, `zip archive has ${pickles.length} data.pkl entries (${pickles.join(', ')}); expected one`);
    const pickleName = pickles[0]!;
    const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);
    const byteorderName = `${prefix}byteorder`;
    if (archive.entries.has(byteorderName)) {
      const order = new TextDecoder().decode(await archive.read(byteorderName)).trim();
      if (order !== 'little') throw new FileFormatError(file, `checkpoint byteorder is '${order}'; only 'little' is supported`);
    }
    const pickleEntry = archive.entry(pickleName);
    if (pickleEntry.size > MAX_PICKLE_BYTES) throw new FileFormatError(file, `${pickleName} is ${pickleEntry.size} bytes, over the ${MAX_PICKLE_BYTES}-byte limit`);
    const where = `${file}:${pickleName}`;
    const policy = new TorchPicklePolicy(where);
    const root = unpickle(await archive.read(pickleName), where, policy);

    const tensors = new Map<string, TensorRef>();
    collectTensors(root, '', tensors, where);
    for (const [name, ref] of tensors) checkTensor(archive, prefix, name, ref);
    return new ZipCheckpoint(archive, prefix, tensors);
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
    const entry = `${this.prefix}data/${ref.storage.key}`;
    if (isContiguous(ref.shape, ref.stride)) {
      if (byteLength > 0) await this.archive.readInto(entry, ref.storageOffset * itemSize, out);
      return;
    }
    await readStrided(
      { offset: ref.storageOffset, shape: ref.shape, stride: ref.stride, itemSize },
      (offset, length) => this.archive.read(entry, offset, length),
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
    await this.archive.close();
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

function checkTensor(archive: ZipArchive, prefix: string, name: string, ref: TensorRef): void {
  const entryName = `${prefix}data/${ref.storage.key}`;
  const entry = archive.entries.get(entryName);
  if (!entry) throw new FileFormatError(archive.name, `tensor '${name}' uses storage '${ref.storage.key}', but the archive has no ${entryName}`);
  const itemSize = TORCH_DTYPE_BYTES[ref.dtype];
  if (entry.size < ref.storage.numel * itemSize) {
    throw new FileFormatError(archive.name, `storage ${entryName} has ${entry.size} bytes; the pickle declares ${ref.storage.numel} ${ref.dtype} elements (${ref.storage.numel * itemSize} bytes)`);
  }
  const end = ref.storageOffset + stridedExtent(ref.shape, ref.stride);
  if (shapeSize(ref.shape) > 0 && end > ref.storage.numel) {
    throw new FileFormatError(
      archive.name,
      `tensor '${name}' [${ref.shape.join(', ')}] with stride (${ref.stride.join(', ')}) at offset ${ref.storageOffset} reaches element ${end}, past its storage of ${ref.storage.numel}`,
    );
  }
}

export { contiguousStrides };
