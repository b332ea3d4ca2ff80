// Element conversion between the float dtypes a checkpoint may hold and the one written, rounding
// to nearest even as torch's .to(dtype) does.
import { ArgumentError, float32ToBfloat16, float32ToFloat16, float16ToFloat32, bfloat16ToFloat32, type DType } from '@cria/core';
import type { TorchDType } from '../pytorch/torch-policy.js';

export type FloatDType = 'float32' | 'float16' | 'bfloat16';
export const OUTPUT_DTYPES: readonly FloatDType[] = ['bfloat16', 'float16', 'float32'];

export function isOutputDType(value: string): value is FloatDType {
  return (OUTPUT_DTYPES as readonly string[]).includes(value);
}

type Reader = (i: number) => number;
type Writer = (i: number, v: number) => void;

function reader(bytes: Uint8Array, dtype: TorchDType, what: string): Reader {
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return (i) => a[i]!;
    }
    case 'float64': {
      const a = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      return (i) => Math.fround(a[i]!);
    }
    case 'float16': {
      const a = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      return (i) => float16ToFloat32(a[i]!);
    }
    case 'bfloat16': {
      const a = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      return (i) => bfloat16ToFloat32(a[i]!);
    }
    default:
      throw new ArgumentError(`${what} is ${dtype}; only float tensors can be converted`);
  }
}

function writer(bytes: Uint8Array, dtype: DType): Writer {
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return (i, v) => (a[i] = v);
    }
    case 'float16': {
      const a = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      return (i, v) => (a[i] = float32ToFloat16(v));
    }
    case 'bfloat16': {
      const a = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
      return (i, v) => (a[i] = float32ToBfloat16(v));
    }
    default:
      throw new ArgumentError(`cannot write dtype ${dtype}`);
  }
}

/**
 * Returns a copier of `count` elements from `src` (at element `from`) to `dst` (at element `to`),
 * converting dtype. Same dtypes copy bytes.
 */
export function elementCopier(src: Uint8Array, srcDtype: TorchDType, dst: Uint8Array, dstDtype: FloatDType, what: string) {
  if (srcDtype === dstDtype) {
    const size = dstDtype === 'float32' ? 4 : 2;
    return (from: number, to: number, count: number) => dst.set(src.subarray(from * size, (from + count) * size), to * size);
  }
  const read = reader(src, srcDtype, what);
  const write = writer(dst, dstDtype);
  return (from: number, to: number, count: number) => {
    for (let k = 0; k < count; k++) write(to + k, read(from + k));
  };
}
