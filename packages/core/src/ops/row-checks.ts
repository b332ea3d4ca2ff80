// The shape and scalar rules of the ops that work row by row or element by element; each returns the sizes its
// kernels need.
import { type DType, isDType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { lastDim, requireEps, requireInteger, requireMinRank, requireRank, requireSameShape, rowsOf } from './args.js';
import { type TensorSpec, describeSpec, specSize } from './spec.js';

/** Rows of a [..., H] input and H. */
export interface RowsShape {
  rows: number;
  cols: number;
}

/** embedding(weight [V, H], ids [...]) -> [..., H]. */
export function checkEmbedding(weight: TensorSpec, ids: TensorSpec): { vocab: number; hidden: number; count: number; outShape: number[] } {
  requireRank('embedding', 'weight', weight, 2, '[vocab, hidden]');
  const [vocab, hidden] = weight.shape as [number, number];
  return { vocab, hidden, count: specSize(ids), outShape: [...ids.shape, hidden] };
}

/** x [..., H] with at least one dimension. */
export function checkRows(op: string, arg: string, x: TensorSpec): RowsShape {
  requireMinRank(op, arg, x, 1);
  return { rows: rowsOf(x), cols: lastDim(x) };
}

/** rmsNorm(x [..., H], weight [H], eps >= 0). */
export function checkRmsNorm(x: TensorSpec, weight: TensorSpec, eps: number): RowsShape {
  const shape = checkRows('rmsNorm', 'x', x);
  checkNormWeight('rmsNorm', 'x', weight, shape.cols);
  requireEps('rmsNorm', eps);
  return shape;
}

/** addRmsNorm(a, b [..., H] of one shape, weight [H], eps >= 0). */
export function checkAddRmsNorm(a: TensorSpec, b: TensorSpec, weight: TensorSpec, eps: number): RowsShape {
  const shape = checkRows('addRmsNorm', 'a', a);
  requireSameShape('addRmsNorm', 'a', a, 'b', b);
  checkNormWeight('addRmsNorm', 'a', weight, shape.cols);
  requireEps('addRmsNorm', eps);
  return shape;
}

/** The norm weight is [H] exactly, as torch's rms_norm asks of its weight (a [1, H] one is refused). */
function checkNormWeight(op: string, input: string, weight: TensorSpec, hidden: number): void {
  if (weight.shape.length !== 1 || weight.shape[0] !== hidden) {
    throw new ArgumentError(`${op}: weight ${describeSpec(weight)} must have shape [${hidden}] (${input}'s last dimension)`);
  }
}

/** add / siluMul: two inputs of one shape; returns the element count. */
export function checkSameShapes(op: string, names: readonly [string, string], a: TensorSpec, b: TensorSpec): number {
  requireSameShape(op, names[0], a, names[1], b);
  return specSize(a);
}

/** argmax(x [..., n]) with n >= 1 (torch refuses an empty reduction). */
export function checkArgmax(x: TensorSpec): RowsShape {
  const shape = checkRows('argmax', 'x', x);
  if (shape.cols === 0) throw new ArgumentError(`argmax: x ${describeSpec(x)} has an empty last dimension`);
  return shape;
}

/** topk(x [..., n], k) with 0 <= k <= n (k = 0 gives empty values and indices, as torch.topk). */
export function checkTopk(x: TensorSpec, k: number): RowsShape & { k: number; outShape: number[] } {
  const shape = checkRows('topk', 'x', x);
  requireInteger('topk', 'k', k, 0, shape.cols, "x's last dimension");
  return { ...shape, k, outShape: [...x.shape.slice(0, -1), k] };
}

/** cast's target must name a cria dtype (whether the backend converts to it is `supports`' question). */
export function checkCastTarget(dtype: unknown): DType {
  if (!isDType(dtype)) throw new ArgumentError(`cast: dtype '${String(dtype)}' is not a cria dtype`);
  return dtype;
}
