// The dtypes each op takes, argument by argument: one declarative table for every backend. A backend that takes more
// (the CUDA caches in float16 / bfloat16) overrides the rows that differ.
import type { OpName } from '../backend.js';
import { type DType, QUANT_DTYPES, isQuantDType } from '../dtype.js';

export const WEIGHT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];
export const MASK_DTYPES: readonly DType[] = ['float32', 'int32'];
export const CAST_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int32'];
const F32: readonly DType[] = ['float32'];
const I32: readonly DType[] = ['int32'];

/** The dtypes one op accepts, in its argument order (what `supports(op, inputs)` is asked). */
export interface OpSignature {
  /** Argument names, for messages (linearMany's repeated ones are named weights[i], biases[i]). */
  readonly names: readonly string[];
  readonly required: readonly (readonly DType[])[];
  /** Trailing arguments that may be left out. */
  readonly optional?: readonly (readonly DType[])[];
  /** Pairs of argument positions whose dtypes must be equal when both are given. */
  readonly sameDType?: readonly (readonly [number, number])[];
  /** The optional arguments come all together or not at all. */
  readonly allOptionalOrNone?: boolean;
  /** After `required`: n >= 1 inputs of `repeated[0]`, then none or n of `repeated[1]`, each group of one dtype (linearMany). */
  readonly repeated?: readonly [readonly DType[], readonly DType[]];
}

export type OpSignatures = Readonly<Record<OpName, OpSignature>>;

/** What every backend takes. `cast` is asked [from] or [from, to]. */
export const OP_SIGNATURES: OpSignatures = {
  embedding: { names: ['weight', 'ids'], required: [WEIGHT_DTYPES, I32] },
  rmsNorm: { names: ['x', 'weight'], required: [F32, WEIGHT_DTYPES] },
  addRmsNorm: { names: ['a', 'b', 'weight'], required: [F32, F32, WEIGHT_DTYPES] },
  linear: { names: ['x', 'weight', 'bias'], required: [F32, WEIGHT_DTYPES], optional: [WEIGHT_DTYPES] },
  linearSiluMul: {
    names: ['x', 'gate', 'up', 'gateBias', 'upBias'],
    required: [F32, WEIGHT_DTYPES, WEIGHT_DTYPES],
    optional: [WEIGHT_DTYPES, WEIGHT_DTYPES],
    sameDType: [[1, 2], [3, 4]],
    allOptionalOrNone: true,
  },
  linearMany: { names: ['x'], required: [F32], repeated: [WEIGHT_DTYPES, WEIGHT_DTYPES] },
  rope: { names: ['x', 'positions', 'invFreq'], required: [F32, I32, F32] },
  kvWrite: { names: ['cache', 'src'], required: [F32, F32] },
  attention: { names: ['q', 'kCache', 'vCache', 'options.mask'], required: [F32, F32, F32], optional: [MASK_DTYPES] },
  attentionWeights: { names: ['q', 'kCache', 'options.mask'], required: [F32, F32], optional: [MASK_DTYPES] },
  siluMul: { names: ['gate', 'up'], required: [F32, F32] },
  add: { names: ['a', 'b'], required: [F32, F32] },
  softmax: { names: ['x'], required: [F32] },
  argmax: { names: ['x'], required: [F32] },
  topk: { names: ['x'], required: [F32] },
  cast: { names: ['x', 'dtype'], required: [CAST_DTYPES], optional: [CAST_DTYPES] },
};

const list = (dtypes: readonly DType[]): string => (dtypes.length === 1 ? dtypes[0]! : `${dtypes.slice(0, -1).join(', ')} or ${dtypes.at(-1)}`);

/** linearMany's inputs after x read as `weights` weights then the rest biases: why they do not fit, or null. */
function repeatedMismatch(repeated: readonly [readonly DType[], readonly DType[]], rest: readonly DType[], weights: number): string | null {
  const groups: [string, readonly DType[], readonly DType[]][] = [
    ['weights', rest.slice(0, weights), repeated[0]],
    ['biases', rest.slice(weights), repeated[1]],
  ];
  for (const [name, dtypes, allowed] of groups) {
    for (const [i, d] of dtypes.entries()) {
      if (!allowed.includes(d)) return `${name}[${i}] is ${d}; expected ${list(allowed)}`;
      if (d !== dtypes[0]) return `${name}[${i}] is ${d}; it must have ${name}[0]'s dtype (${dtypes[0]})`;
    }
  }
  return null;
}

/**
 * Why `dtypes` do not fit `signature` (naming the argument), or null when they do. For a signature with `repeated`
 * inputs, `repeatedCount` says how many of the first group there are (linearMany's weights); without it, a list that
 * fits either reading (n weights, or n/2 weights and n/2 biases) fits.
 */
export function signatureMismatch(signature: OpSignature, dtypes: readonly DType[], repeatedCount?: number): string | null {
  const { names, required, optional = [], sameDType = [], allOptionalOrNone = false, repeated } = signature;
  if (dtypes.length < required.length) return `expected at least ${required.length} input(s), got ${dtypes.length}`;
  for (const [i, allowed] of required.entries()) {
    if (!allowed.includes(dtypes[i]!)) return `${names[i]} is ${dtypes[i]}; expected ${list(allowed)}`;
  }
  if (repeated) {
    const rest = dtypes.slice(required.length);
    if (rest.length === 0) return 'expected at least one weight';
    if (repeatedCount !== undefined) {
      if (repeatedCount < 1 || (rest.length !== repeatedCount && rest.length !== 2 * repeatedCount)) return `expected ${repeatedCount} or ${2 * repeatedCount} inputs after x, got ${rest.length}`;
      return repeatedMismatch(repeated, rest, repeatedCount);
    }
    const asWeights = repeatedMismatch(repeated, rest, rest.length);
    if (asWeights === null || rest.length % 2 !== 0) return asWeights;
    return repeatedMismatch(repeated, rest, rest.length / 2) === null ? null : asWeights;
  }
  const most = required.length + optional.length;
  if (dtypes.length > most) return `expected at most ${most} input(s), got ${dtypes.length}`;
  if (allOptionalOrNone && dtypes.length !== required.length && dtypes.length !== most) {
    return `${names.slice(required.length).join(' and ')} must be given together`;
  }
  for (let i = required.length; i < dtypes.length; i++) {
    const allowed = optional[i - required.length]!;
    if (!allowed.includes(dtypes[i]!)) return `${names[i]} is ${dtypes[i]}; expected ${list(allowed)}`;
  }
  for (const [i, j] of sameDType) {
    if (j < dtypes.length && dtypes[i] !== dtypes[j]) return `${names[j]} is ${dtypes[j]}; it must have ${names[i]}'s dtype (${dtypes[i]})`;
  }
  return null;
}

/** Weights a backend with block-format kernels takes: the float ones and llama.cpp's block formats. */
export const BLOCK_WEIGHT_DTYPES: readonly DType[] = [...WEIGHT_DTYPES, ...QUANT_DTYPES];

/**
 * The rows that change for a backend whose kernels read llama.cpp's block formats (dequantized in registers): the
 * matrices of embedding, linear, linearSiluMul and linearMany. Biases and norms stay float. (A block-format tensor's
 * rows are whole blocks by construction: its in_features is a multiple of the block size.)
 */
export const BLOCK_WEIGHT_SIGNATURES: Partial<Record<OpName, OpSignature>> = {
  embedding: { names: ['weight', 'ids'], required: [BLOCK_WEIGHT_DTYPES, I32] },
  linear: { names: ['x', 'weight', 'bias'], required: [F32, BLOCK_WEIGHT_DTYPES], optional: [WEIGHT_DTYPES] },
  linearSiluMul: {
    names: ['x', 'gate', 'up', 'gateBias', 'upBias'],
    required: [F32, BLOCK_WEIGHT_DTYPES, BLOCK_WEIGHT_DTYPES],
    optional: [WEIGHT_DTYPES, WEIGHT_DTYPES],
    sameDType: [[1, 2], [3, 4]],
    allOptionalOrNone: true,
  },
  linearMany: { names: ['x'], required: [F32], repeated: [BLOCK_WEIGHT_DTYPES, WEIGHT_DTYPES] },
};

/**
 * BLOCK_WEIGHT_SIGNATURES' rows with each list of dtypes keeping only the block formats in `implemented`: the rows of a
 * backend whose kernels read some of the formats (the others stay refused by name).
 */
export function narrowBlockSignatures(implemented: readonly DType[]): Partial<Record<OpName, OpSignature>> {
  const keep = (dtypes: readonly DType[]): readonly DType[] => dtypes.filter((d) => !isQuantDType(d) || implemented.includes(d));
  const rows: Partial<Record<OpName, OpSignature>> = {};
  for (const [op, row] of Object.entries(BLOCK_WEIGHT_SIGNATURES) as [OpName, OpSignature][]) {
    rows[op] = {
      ...row,
      required: row.required.map(keep),
      ...(row.optional ? { optional: row.optional.map(keep) } : {}),
      ...(row.repeated ? { repeated: [keep(row.repeated[0]), keep(row.repeated[1])] as const } : {}),
    };
  }
  return rows;
}

/** The table with some rows replaced: a backend's few lines of overrides. */
export function withSignatures(overrides: Partial<Record<OpName, OpSignature>>, base: OpSignatures = OP_SIGNATURES): OpSignatures {
  return { ...base, ...overrides };
}
