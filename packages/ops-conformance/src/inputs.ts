// Deterministic inputs of a case: host arrays in the dtypes the case names.
import { type DType, type TypedArray, float16ToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16, isQuantDType, quantize, shapeSize } from '@cria/core';
import { SeededRandom, seedOf } from '@cria/core/testing';
import type { OpCase } from './op-case.js';

export interface HostInput {
  data: TypedArray;
  shape: readonly number[];
  dtype: DType;
}

/** The input names of each op in argument order (optional ones last). */
export const INPUT_NAMES: Readonly<Record<OpCase['op'], readonly string[]>> = {
  embedding: ['weight', 'ids'],
  rmsNorm: ['x', 'weight'],
  addRmsNorm: ['a', 'b', 'weight'],
  linear: ['x', 'weight', 'bias'],
  linearSiluMul: ['x', 'gate', 'up', 'gateBias', 'upBias'],
  linearMany: ['x', 'weight0', 'weight1', 'weight2', 'bias0', 'bias1', 'bias2'],
  rope: ['x', 'positions', 'invFreq'],
  kvWrite: ['cache', 'src'],
  attention: ['q', 'kCache', 'vCache', 'mask'],
  attentionWeights: ['q', 'kCache', 'mask'],
  siluMul: ['gate', 'up'],
  add: ['a', 'b'],
  softmax: ['x'],
  argmax: ['x'],
  topk: ['x'],
  cast: ['x'],
};

function required<T>(value: T | undefined, what: string, opCase: OpCase): T {
  if (value === undefined) throw new Error(`op case '${opCase.name}': params.${what} is required`);
  return value;
}

/** Uniform floats in [-amplitude, amplitude), stored as `dtype` (float16/bfloat16 as raw bits). */
function floats(random: SeededRandom, length: number, dtype: DType, amplitude: number): TypedArray {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = random.symmetric(amplitude);
  if (dtype === 'float16') return float32ArrayToFloat16(values);
  if (dtype === 'bfloat16') return float32ArrayToBfloat16(values);
  if (dtype === 'float32') return values;
  throw new Error(`floats: ${dtype} is not a float dtype`);
}

/** Rows of pairwise distinct values (a shuffled ramp), so argmax / topk have no ties. */
function distinctRows(random: SeededRandom, shape: readonly number[]): Float32Array {
  const n = shape[shape.length - 1]!;
  const rows = shapeSize(shape) / n;
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const order = random.permutation(n);
    for (let i = 0; i < n; i++) out[r * n + i] = (order[i]! / n) * 8 - 4;
  }
  return out;
}

function isNaNBits(bits: number, dtype: 'float16' | 'bfloat16'): boolean {
  return dtype === 'float16' ? (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0 : (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0;
}

/**
 * Cast sources that reach the corners: wide magnitudes (float16 subnormals and overflow), exact
 * ties between two float16 / bfloat16 neighbours, fractional and negative values for int32, and
 * large int32 that float32 cannot hold.
 */
function castSource(random: SeededRandom, length: number, from: DType): TypedArray {
  if (from === 'float16' || from === 'bfloat16') {
    const bits = new Uint16Array(length);
    for (let i = 0; i < length; i++) {
      let b: number;
      do b = random.int(0, 65536);
      while (isNaNBits(b, from));
      bits[i] = b;
    }
    return bits;
  }
  if (from === 'int32') {
    const ints = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const kind = i % 4;
      if (kind === 3) {
        // One away from a tie between two bfloat16 neighbours: rounding to float32 first (as torch
        // does) lands on the tie, rounding the integer once would not; backends must agree on which.
        const exponent = random.int(25, 31);
        const tie = (2 * random.int(128, 256) + 1) * 2 ** (exponent - 8);
        ints[i] = Math.min(2147483647, tie + (random.next() < 0.5 ? 1 : -1)) * (random.next() < 0.5 ? -1 : 1);
      } else ints[i] = kind === 0 ? random.int(-70000, 70000) : kind === 1 ? random.int(-2147483648, 2147483647) : random.int(-(1 << 25), 1 << 25);
    }
    return ints;
  }
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const kind = i % 4;
    if (kind === 0) values[i] = random.symmetric(1) * 2 ** random.int(-30, 20);
    else if (kind === 1) {
      // Exactly halfway between two neighbouring float16 values: round-to-nearest-even decides.
      const bits = random.int(0, 0x7bff);
      values[i] = ((float16ToFloat32(bits) + float16ToFloat32(bits + 1)) / 2) * (random.next() < 0.5 ? -1 : 1);
    } else if (kind === 2) values[i] = random.int(-20000, 20000) + [0, 0.5, 0.25, 0.75][random.int(0, 4)]!;
    else values[i] = random.symmetric(4);
  }
  return values;
}

function attentionMask(opCase: OpCase, shape: readonly number[], dtype: DType): TypedArray {
  const [batch, kvLength] = shape as [number, number];
  const data = dtype === 'int32' ? new Int32Array(batch * kvLength) : new Float32Array(batch * kvLength);
  data.fill(1);
  for (let b = 0; b < batch; b++) {
    const zeros = opCase.params.maskLeadingZeros?.[b] ?? 0;
    for (let j = 0; j < zeros; j++) data[b * kvLength + j] = 0;
    for (const j of opCase.params.maskHoles?.[b] ?? []) data[b * kvLength + j] = 0;
  }
  return data;
}

function ropeInverseFrequencies(opCase: OpCase): Float32Array {
  const headDim = required(opCase.params.headDim, 'headDim', opCase);
  const theta = required(opCase.params.ropeTheta, 'ropeTheta', opCase);
  return Float32Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
}

function positions(opCase: OpCase, shape: readonly number[]): Int32Array {
  const [batch, seq] = shape as [number, number];
  const first = required(opCase.params.firstPositions, 'firstPositions', opCase);
  return Int32Array.from({ length: batch * seq }, (_, i) => first[Math.floor(i / seq)]! + (i % seq));
}

/** The inputs of `opCase`, by name, in the op's argument order. The same case always gives the same data. */
export function buildInputs(opCase: OpCase): Map<string, HostInput> {
  const random = new SeededRandom(seedOf(opCase.name));
  const amplitude = opCase.params.amplitude ?? 1;
  const inputs = new Map<string, HostInput>();
  let argIndex = 0; // among the inputs this case gives (the dtypes list names only those)
  INPUT_NAMES[opCase.op].forEach((name) => {
    const shape = opCase.shapes[name];
    if (!shape) return; // an optional input this case leaves out
    const index = argIndex++;
    const dtype = opCase.dtypes[index];
    if (!dtype) throw new Error(`op case '${opCase.name}': no dtype for input '${name}' (argument ${index})`);
    const length = shapeSize(shape);
    let data: TypedArray;
    if (opCase.op === 'embedding' && name === 'ids') {
      const vocab = opCase.shapes.weight![0]!;
      data = Int32Array.from({ length }, () => random.int(0, vocab));
    } else if (opCase.op === 'rope' && name === 'positions') data = positions(opCase, shape);
    else if (opCase.op === 'rope' && name === 'invFreq') data = ropeInverseFrequencies(opCase);
    else if (name === 'mask') data = attentionMask(opCase, shape, dtype);
    else if (opCase.op === 'argmax' || opCase.op === 'topk') data = distinctRows(random, shape);
    else if (opCase.op === 'cast') data = castSource(random, length, dtype);
    else if (isQuantDType(dtype)) {
      // A block-format weight: uniform floats quantized with llama.cpp's reference quantizer (core's, bit-exact).
      const cols = shape[shape.length - 1]!;
      data = quantize(dtype, floats(random, length, 'float32', amplitude) as Float32Array, length / cols, cols);
    } else data = floats(random, length, dtype, amplitude);
    inputs.set(name, { data, shape, dtype });
  });
  return inputs;
}
