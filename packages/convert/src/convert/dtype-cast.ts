// Element conversion between the float dtypes a checkpoint may hold and the one written, rounding
// to nearest even as torch's .to(dtype) does. Half-to-half conversions go through 65536-entry
// tables built from @cria/core's exact scalar conversions; float32 to bfloat16 is inlined.
import { ArgumentError, bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '@cria/core';
import type { TorchDType } from '../pytorch/torch-policy.js';

export type FloatDType = 'float32' | 'float16' | 'bfloat16';
export const OUTPUT_DTYPES: readonly FloatDType[] = ['bfloat16', 'float16', 'float32'];

export function isOutputDType(value: string): value is FloatDType {
  return (OUTPUT_DTYPES as readonly string[]).includes(value);
}

/** Copies `count` elements from element `from` of the source to element `to` of the destination. */
export type ElementCopier = (from: number, to: number, count: number) => void;

const tables = new Map<string, Uint16Array | Float32Array>();
function table(kind: 'bf16->f16' | 'f16->bf16' | 'f16->f32'): Uint16Array | Float32Array {
  let t = tables.get(kind);
  if (!t) {
    if (kind === 'f16->f32') {
      const f = new Float32Array(65536);
      for (let b = 0; b < 65536; b++) f[b] = float16ToFloat32(b);
      t = f;
    } else {
      const u = new Uint16Array(65536);
      for (let b = 0; b < 65536; b++) u[b] = kind === 'bf16->f16' ? float32ToFloat16(bfloat16ToFloat32(b)) : float32ToBfloat16(float16ToFloat32(b));
      t = u;
    }
    tables.set(kind, t);
  }
  return t;
}

const u16 = (b: Uint8Array) => new Uint16Array(b.buffer, b.byteOffset, b.byteLength >>> 1);
const u32 = (b: Uint8Array) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
const f32 = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
const f64 = (b: Uint8Array) => new Float64Array(b.buffer, b.byteOffset, b.byteLength >>> 3);

/** float32 bits -> bfloat16 bits, round-to-nearest-even; NaN stays a quiet NaN (as core's float32ToBfloat16). */
function bf16FromBits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits -> float16 bits, round-to-nearest-even with subnormals, Inf and NaN (as core's float32ToFloat16). */
function f16FromBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  const e = exponent - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    const half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (half + (rest > halfway || (rest === halfway && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/**
 * A copier from `src` (of `srcDtype`) to `dst` (of `dstDtype`), converting. Both byte arrays must be
 * aligned to their element size. `what` names the tensor in errors.
 */
export function elementCopier(src: Uint8Array, srcDtype: TorchDType, dst: Uint8Array, dstDtype: FloatDType, what: string): ElementCopier {
  if (srcDtype === dstDtype) {
    const size = dstDtype === 'float32' ? 4 : 2;
    return (from, to, count) => dst.set(src.subarray(from * size, (from + count) * size), to * size);
  }
  switch (`${srcDtype}->${dstDtype}`) {
    case 'bfloat16->float32': {
      const s = u16(src), d = u32(dst);
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = s[from + k]! << 16;
      };
    }
    case 'float16->float32': {
      const s = u16(src), d = f32(dst), t = table('f16->f32') as Float32Array;
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = t[s[from + k]!]!;
      };
    }
    case 'bfloat16->float16':
    case 'float16->bfloat16': {
      const s = u16(src), d = u16(dst), t = table(srcDtype === 'bfloat16' ? 'bf16->f16' : 'f16->bf16') as Uint16Array;
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = t[s[from + k]!]!;
      };
    }
    case 'float32->bfloat16': {
      const s = u32(src), d = u16(dst);
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = bf16FromBits(s[from + k]!);
      };
    }
    case 'float32->float16': {
      const s = u32(src), d = u16(dst);
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = f16FromBits(s[from + k]!);
      };
    }
    case 'float64->float32':
    case 'float64->bfloat16':
    case 'float64->float16': {
      const s = f64(src);
      if (dstDtype === 'float32') {
        const d = f32(dst);
        return (from, to, count) => {
          for (let k = 0; k < count; k++) d[to + k] = s[from + k]!;
        };
      }
      const d = u16(dst);
      const narrow = dstDtype === 'bfloat16' ? float32ToBfloat16 : float32ToFloat16;
      // torch narrows double to half through float, as here
      return (from, to, count) => {
        for (let k = 0; k < count; k++) d[to + k] = narrow(Math.fround(s[from + k]!));
      };
    }
    default:
      throw new ArgumentError(`${what} is ${srcDtype}; only float tensors can be converted (to ${dstDtype})`);
  }
}
