// Conversions between float32, float16, bfloat16 (raw bits) and int32.
import { type TypedArray, float16ToFloat32, bfloat16ToFloat32, float32ToFloat16, float32ToBfloat16 } from '@cria/core';

export type CastDType = 'float32' | 'float16' | 'bfloat16' | 'int32';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The value of element i as a JavaScript number (exact for every source dtype). */
function reader(data: TypedArray, from: CastDType): (i: number) => number {
  switch (from) {
    case 'float16':
      return (i) => float16ToFloat32((data as Uint16Array)[i]!);
    case 'bfloat16':
      return (i) => bfloat16ToFloat32((data as Uint16Array)[i]!);
    default:
      return (i) => (data as Float32Array | Int32Array)[i]!;
  }
}

/** float -> int32 as torch's .to(torch.int32) on CUDA: truncation toward zero; NaN -> 0, out of range saturates. */
function numberToInt32(value: number): number {
  if (Number.isNaN(value)) return 0;
  const truncated = Math.trunc(value);
  return truncated < INT32_MIN ? INT32_MIN : truncated > INT32_MAX ? INT32_MAX : truncated;
}

export function castKernel(data: TypedArray, length: number, from: CastDType, to: CastDType): TypedArray {
  const read = reader(data, from);
  switch (to) {
    case 'float32': {
      const out = new Float32Array(length);
      for (let i = 0; i < length; i++) out[i] = read(i); // Float32Array stores round-to-nearest-even
      return out;
    }
    // int32 sources go through float32 first, as torch converts them (c10::Half and c10::BFloat16 are
    // built from a float): an int32 beyond 2^24 is rounded to float32, then to 16 bits. For float16
    // that is exact anyway (such values overflow to Inf); for bfloat16 it can round twice, as torch does.
    case 'float16': {
      const out = new Uint16Array(length);
      for (let i = 0; i < length; i++) out[i] = float32ToFloat16(read(i));
      return out;
    }
    case 'bfloat16': {
      const out = new Uint16Array(length);
      for (let i = 0; i < length; i++) out[i] = float32ToBfloat16(read(i));
      return out;
    }
    case 'int32': {
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) out[i] = from === 'int32' ? read(i) : numberToInt32(read(i));
      return out;
    }
  }
}
