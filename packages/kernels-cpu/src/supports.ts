// Which dtype combinations each op accepts on the cpu backend (input dtypes in the op's argument order).
import type { DType, OpName } from '@cria/core';
import { CAST_DTYPES } from './ops/cast.js';
import { WEIGHT_DTYPES } from './validate.js';

const F32 = 'float32';
const MASK_DTYPES: readonly DType[] = ['float32', 'int32'];

function matches(dtypes: readonly DType[], allowed: readonly (readonly DType[])[]): boolean {
  return dtypes.length === allowed.length && dtypes.every((d, i) => allowed[i]!.includes(d));
}

/** linearMany's [x, ...weights, ...biases] with `weightCount` weights: float32 x, one weight dtype, one bias dtype. */
function matchesMany(x: DType | undefined, rest: readonly DType[], weightCount: number): boolean {
  const weights = rest.slice(0, weightCount);
  const biases = rest.slice(weightCount);
  if (x !== F32 || weights.length === 0) return false;
  const same = (list: readonly DType[]): boolean => list.every((d) => d === list[0] && WEIGHT_DTYPES.includes(d));
  return same(weights) && same(biases);
}

/**
 * The dtype lists each op accepts. Optional trailing inputs (linear's bias, linearSiluMul's two biases,
 * attention's mask) may be left out. cast takes [from] or [from, to].
 */
export function cpuSupports(op: OpName, dtypes: readonly DType[]): boolean {
  switch (op) {
    case 'embedding':
      return matches(dtypes, [WEIGHT_DTYPES, ['int32']]);
    case 'rmsNorm':
      return matches(dtypes, [[F32], WEIGHT_DTYPES]);
    case 'addRmsNorm':
      return matches(dtypes, [[F32], [F32], WEIGHT_DTYPES]);
    case 'linear':
      return matches(dtypes, [[F32], WEIGHT_DTYPES]) || matches(dtypes, [[F32], WEIGHT_DTYPES, WEIGHT_DTYPES]);
    case 'linearSiluMul':
      // gate and up share a dtype, as do their biases.
      return (
        (matches(dtypes, [[F32], WEIGHT_DTYPES, WEIGHT_DTYPES]) || matches(dtypes, [[F32], WEIGHT_DTYPES, WEIGHT_DTYPES, WEIGHT_DTYPES, WEIGHT_DTYPES])) &&
        dtypes[1] === dtypes[2] &&
        dtypes[3] === dtypes[4]
      );
    case 'linearMany': {
      // [x, ...weights] or [x, ...weights, ...biases] (a bias for every weight).
      const [x, ...rest] = dtypes;
      return matchesMany(x, rest, rest.length) || (rest.length % 2 === 0 && matchesMany(x, rest, rest.length / 2));
    }
    case 'rope':
      return matches(dtypes, [[F32], ['int32'], [F32]]);
    case 'kvWrite':
      return matches(dtypes, [[F32], [F32]]);
    case 'attention':
      return matches(dtypes, [[F32], [F32], [F32]]) || matches(dtypes, [[F32], [F32], [F32], MASK_DTYPES]);
    case 'attentionWeights':
      return matches(dtypes, [[F32], [F32]]) || matches(dtypes, [[F32], [F32], MASK_DTYPES]);
    case 'siluMul':
    case 'add':
      return matches(dtypes, [[F32], [F32]]);
    case 'softmax':
    case 'argmax':
    case 'topk':
      return matches(dtypes, [[F32]]);
    case 'cast':
      return matches(dtypes, [CAST_DTYPES]) || matches(dtypes, [CAST_DTYPES, CAST_DTYPES]);
    default:
      return false;
  }
}
