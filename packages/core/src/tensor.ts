import { type DType, type TypedArray, dtypeArrayLength, dtypeByteLength, isQuantDType, shapeSize } from './dtype.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from './half.js';
import { ArgumentError, CriaError, DisposedError } from './errors.js';

/**
 * Device memory shared by a tensor and its views. The handle is the backend's own (a typed array on
 * the CPU, a GPUBuffer, a device pointer). It is freed when the last tensor using it is disposed.
 */
export class Storage<H = unknown> {
  #refs = 1;
  readonly #free: Freer<H>['free'];
  constructor(
    readonly handle: H,
    readonly byteLength: number,
    free: (handle: H) => void,
  ) {
    this.#free = free;
  }
  get alive(): boolean {
    return this.#refs > 0;
  }
  retain(): void {
    if (this.#refs <= 0) throw new DisposedError('storage used after it was freed');
    this.#refs++;
  }
  release(): void {
    if (this.#refs <= 0) return;
    if (--this.#refs === 0) this.#free(this.handle);
  }
}

// A method signature, so a Storage<GPUBuffer> is a Storage<unknown> (parameters of methods are bivariant).
interface Freer<H> {
  free(handle: H): void;
}

/** What a tensor needs from the backend that owns it. `Backend` extends this. */
export interface TensorOwner {
  readonly name: string;
  /** Reads the tensor back to a new host array (float16/bfloat16 as raw bits). Synchronises. */
  read(tensor: Tensor): Promise<TypedArray>;
}

/**
 * A tensor on one backend's device. It owns (a reference to) its memory: free it with `dispose()`
 * or `using t = ...`; the garbage collector never does.
 */
export class Tensor {
  /** Elements (logical, for a block format too). */
  readonly size: number;
  /** Bytes of its data. */
  readonly byteLength: number;
  #disposed = false;

  constructor(
    readonly owner: TensorOwner,
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ArgumentError(`tensor shape [${shape.join(', ')}] must hold non-negative integers`);
    }
    this.size = shapeSize(shape);
    this.byteLength = dtypeByteLength(dtype, shape);
    if (this.byteLength > storage.byteLength) {
      throw new ArgumentError(`tensor [${shape.join(', ')}] ${dtype} needs ${this.byteLength} bytes; its storage has ${storage.byteLength}`);
    }
  }

  /** The name of the backend holding the data ('cpu', 'webgpu', 'cuda'). */
  get device(): string {
    return this.owner.name;
  }

  get disposed(): boolean {
    return this.#disposed;
  }


  /** Throws a DisposedError if the tensor was disposed. */
  assertAlive(what = 'tensor'): void {
    if (this.#disposed || !this.storage.alive) throw new DisposedError(`${what} [${this.shape.join(', ')}] ${this.dtype} was used after dispose()`);
  }

  /** Reads the data back to the host (a new typed array; float16/bfloat16 as their raw bits). */
  async toArray(): Promise<TypedArray> {
    this.assertAlive();
    return this.owner.read(this);
  }

  /** Reads the data back widened to float32 (float dtypes and int32/uint8/int8/bool). */
  async toFloat32(): Promise<Float32Array> {
    return toFloat32Array(await this.toArray(), this.dtype);
  }

  /** Reads the data back as nested JavaScript arrays (as transformers.js's `tolist()`). */
  async tolist(): Promise<unknown[]> {
    const data = this.dtype === 'int64' ? Array.from(await this.toArray() as BigInt64Array, Number) : Array.from(await this.toFloat32());
    const nest = (offset: number, dim: number): unknown[] => {
      const n = this.shape[dim]!;
      if (dim === this.shape.length - 1) return data.slice(offset, offset + n);
      const stride = shapeSize(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => nest(offset + i * stride, dim + 1));
    };
    return this.shape.length === 0 ? [data[0]] : nest(0, 0);
  }

  /** A tensor of another shape with the same number of elements, sharing this one's memory. */
  view(shape: readonly number[]): Tensor {
    this.assertAlive();
    const resolved = resolveShape(shape, this.size);
    this.storage.retain();
    return new Tensor(this.owner, this.storage, resolved, this.dtype);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.storage.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${this.device}, ${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

/** Resolves one -1 in `shape` so that it holds `size` elements. */
export function resolveShape(shape: readonly number[], size: number): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ArgumentError(`shape [${shape.join(', ')}] may hold at most one -1`);
  const known = shapeSize(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? size / known : d));
  if (shapeSize(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`cannot view ${size} elements as shape [${shape.join(', ')}]`);
  }
  return out;
}

/** Widens a host array of `dtype` to float32. */
export function toFloat32Array(data: TypedArray, dtype: DType): Float32Array {
  if (isQuantDType(dtype)) throw new ArgumentError(`toFloat32Array: ${dtype} is a block format; dequantize it with its shape (dequantize)`);
  switch (dtype) {
    case 'float32':
      return new Float32Array(data as Float32Array);
    case 'float16':
      return float16ArrayToFloat32(data as Uint16Array);
    case 'bfloat16':
      return bfloat16ArrayToFloat32(data as Uint16Array);
    case 'int64':
      return Float32Array.from(data as BigInt64Array, Number);
    default:
      return Float32Array.from(data as ArrayLike<number>);
  }
}

/** The owner of tensors that live in host memory: the CPU backend and the file readers use it. */
export const HOST: TensorOwner = {
  name: 'cpu',
  async read(tensor: Tensor): Promise<TypedArray> {
    const data = tensor.storage.handle as TypedArray;
    return data.slice(0, dtypeArrayLength(tensor.dtype, tensor.shape)) as TypedArray;
  },
};

/**
 * A tensor in host memory over `data` (no copy: the tensor takes the array). Used by the file
 * readers and the CPU backend; `hostData(t)` gives the array back without a copy.
 */
export function hostTensor(data: TypedArray, shape: readonly number[], dtype: DType, owner: TensorOwner = HOST): Tensor {
  const length = dtypeArrayLength(dtype, shape);
  if (data.length !== length) {
    const unit = isQuantDType(dtype) ? 'bytes' : 'elements';
    throw new ArgumentError(`data of ${data.length} ${unit} does not fill shape [${shape.join(', ')}] ${dtype} (${length} ${unit})`);
  }
  return new Tensor(owner, new Storage(data, data.byteLength, () => {}), shape, dtype);
}

/** The host array under a host tensor (no copy). Throws for a tensor on a device. */
export function hostData(tensor: Tensor): TypedArray {
  tensor.assertAlive();
  const data = tensor.storage.handle;
  if (!ArrayBuffer.isView(data)) throw new CriaError(`${tensor} is not in host memory`);
  return data as TypedArray;
}
