// Which input dtypes each op takes on the CUDA backend (in the op's argument order).
import type { DType, OpName } from '@cria/core';

const FLOATS: readonly DType[] = ['float32', 'float16', 'bfloat16'];
const CASTABLE: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32'];
const MASKS: readonly DType[] = ['float32', 'int32'];

const isFloat = (d: DType | undefined): boolean => d !== undefined && FLOATS.includes(d);
const is = (d: DType | undefined, want: DType): boolean => d === want;

/** linearMany's [x, ...weights, ...biases] read with `weightCount` weights: float32 x, one weight dtype, one bias dtype. */
function linearManyMatches(dtypes: readonly DType[], weightCount: number): boolean {
  const [x, ...rest] = dtypes;
  const weights = rest.slice(0, weightCount);
  const biases = rest.slice(weightCount);
  const oneFloat = (list: readonly DType[]): boolean => list.every((d) => d === list[0] && isFloat(d));
  return is(x, 'float32') && weights.length > 0 && oneFloat(weights) && oneFloat(biases);
}

/** Whether `op` runs for `dtypes` here. */
export function cudaSupports(op: OpName, dtypes: readonly DType[]): boolean {
  const [a, b, c, d, e] = dtypes;
  switch (op) {
    case 'embedding':
      return dtypes.length === 2 && isFloat(a) && is(b, 'int32');
    case 'rmsNorm':
      return dtypes.length === 2 && is(a, 'float32') && isFloat(b);
    case 'addRmsNorm':
      return dtypes.length === 3 && is(a, 'float32') && is(b, 'float32') && isFloat(c);
    case 'linear':
      return (dtypes.length === 2 || dtypes.length === 3) && is(a, 'float32') && isFloat(b) && (dtypes.length === 2 || isFloat(c));
    case 'linearSiluMul':
      // gate and up share a dtype; the two biases, both or neither, share one (which may differ from the weights').
      return (dtypes.length === 3 || dtypes.length === 5) && is(a, 'float32') && isFloat(b) && c === b &&
        (dtypes.length === 3 || (isFloat(d) && e === d));
    case 'linearMany': {
      // [x, ...weights] or [x, ...weights, ...biases] (a bias for every weight), as the cpu backend reads the list.
      const inputs = dtypes.length - 1;
      return linearManyMatches(dtypes, inputs) || (inputs % 2 === 0 && linearManyMatches(dtypes, inputs / 2));
    }
    case 'rope':
      return dtypes.length === 3 && is(a, 'float32') && is(b, 'int32') && is(c, 'float32');
    case 'kvWrite':
      return dtypes.length === 2 && isFloat(a) && is(b, 'float32');
    case 'attention':
      return (dtypes.length === 3 || dtypes.length === 4) && is(a, 'float32') && isFloat(b) && b === c &&
        (dtypes.length === 3 || (d !== undefined && MASKS.includes(d)));
    case 'attentionWeights':
      return (dtypes.length === 2 || dtypes.length === 3) && is(a, 'float32') && isFloat(b) &&
        (dtypes.length === 2 || (c !== undefined && MASKS.includes(c)));
    case 'siluMul':
    case 'add':
      return dtypes.length === 2 && is(a, 'float32') && is(b, 'float32');
    case 'softmax':
    case 'argmax':
    case 'topk':
      return dtypes.length === 1 && is(a, 'float32');
    case 'cast':
      return (dtypes.length === 1 || dtypes.length === 2) && dtypes.every((x) => CASTABLE.includes(x));
    default:
      return false;
  }
}
