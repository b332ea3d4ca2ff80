// Reads a strided view of a storage into contiguous row-major bytes, by ranges. A contiguous tensor
// is one read; a strided one is read as its innermost contiguous runs, either from one read of the
// span it covers (when that span is small next to the tensor) or run by run.
import { shapeSize } from '@cria/core';

export interface StridedLayout {
  /** Element offset of the first element inside the storage. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** Strides in elements. */
  readonly stride: readonly number[];
  readonly itemSize: number;
}

/** Row-major strides of a shape (in elements). */
export function contiguousStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  const want = contiguousStrides(shape);
  return shape.every((d, i) => d === 1 || stride[i] === want[i]);
}

/** The number of storage elements from the first to one past the last element addressed (0 if empty). */
export function stridedExtent(shape: readonly number[], stride: readonly number[]): number {
  if (shape.some((d) => d === 0)) return 0;
  let last = 0;
  for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * stride[i]!;
  return last + 1;
}

/**
 * Gathers a strided tensor into `out` (tensor bytes, row-major). `read(offsetBytes, lengthBytes)`
 * reads from the storage. Memory beyond `out` is bounded by `maxSpanBytes` or one run.
 */
export async function readStrided(
  layout: StridedLayout,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  out: Uint8Array,
  maxSpanBytes: number,
): Promise<void> {
  const { shape, stride, itemSize, offset } = layout;
  const total = shapeSize(shape);
  if (total === 0) return;
  if (isContiguous(shape, stride)) {
    out.set(await read(offset * itemSize, total * itemSize));
    return;
  }
  // Merge the trailing dims that are laid out contiguously into one run.
  let runElements = 1;
  let outer = shape.length;
  while (outer > 0 && (shape[outer - 1] === 1 || stride[outer - 1] === runElements)) {
    runElements *= shape[outer - 1]!;
    outer--;
  }
  const outerShape = shape.slice(0, outer);
  const outerStride = stride.slice(0, outer);
  const runBytes = runElements * itemSize;
  const extentBytes = stridedExtent(shape, stride) * itemSize;
  const span = extentBytes <= maxSpanBytes ? await read(offset * itemSize, extentBytes) : undefined;

  const index = new Array<number>(outer).fill(0);
  const runs = shapeSize(outerShape);
  for (let r = 0; r < runs; r++) {
    let element = 0;
    for (let d = 0; d < outer; d++) element += index[d]! * outerStride[d]!;
    const dest = r * runBytes;
    if (span) {
      out.set(span.subarray(element * itemSize, element * itemSize + runBytes), dest);
    } else {
      out.set(await read((offset + element) * itemSize, runBytes), dest);
    }
    for (let d = outer - 1; d >= 0; d--) {
      if (++index[d]! < outerShape[d]!) break;
      index[d] = 0;
    }
  }
}
