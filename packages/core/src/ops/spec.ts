// What `Backend.supports` is asked about each input of an op: a dtype alone, or a dtype and a shape.
import type { DType } from '../dtype.js';

/** An input as `supports` sees it: a `Tensor` satisfies it, and so does a plain `{ dtype, shape }`. */
export interface TensorSpec {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** One input of `supports(op, inputs)`: a DType answers the dtype question only; a TensorSpec lets device limits answer too. */
export type OpInput = DType | TensorSpec;

export function dtypeOf(input: OpInput): DType {
  return typeof input === 'string' ? input : input.dtype;
}

/** The inputs as specs, or null when any of them is a plain DType (then only the dtypes can be judged). */
export function specsOf(inputs: readonly OpInput[]): TensorSpec[] | null {
  return inputs.every((input) => typeof input !== 'string') ? (inputs as TensorSpec[]) : null;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** `[2, 3] float32`: how error messages show a tensor. */
export function describeSpec(t: TensorSpec): string {
  return `${shapeText(t.shape)} ${t.dtype}`;
}

/** Elements of a spec's shape. */
export function specSize(t: TensorSpec): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  return n;
}
