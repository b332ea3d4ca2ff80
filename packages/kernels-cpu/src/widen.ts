// Weights as float32 arrays. float32 data is used as is; float16 / bfloat16 (raw bits) are widened and block formats
// dequantized (llama.cpp's dequantize_row_*) once per storage and the copy is kept in a WeakMap, so a weight used
// every step is widened once (at the cost of holding a float32 copy while the weight lives).
import { type DType, type Storage, type Tensor, bfloat16ArrayToFloat32, dequantize, float16ArrayToFloat32, isQuantDType } from '@cria/core';

const widenedByStorage = new WeakMap<Storage, Partial<Record<DType, Float32Array>>>();

/** The values of a float32/float16/bfloat16 host tensor as float32 (never copy-on-write: do not mutate). */
export function widened(t: Tensor): Float32Array {
  const data = t.storage.handle as Float32Array | Uint16Array;
  if (t.dtype === 'float32') return data.length === t.size ? (data as Float32Array) : (data as Float32Array).subarray(0, t.size);
  if (t.dtype !== 'float16' && t.dtype !== 'bfloat16' && !isQuantDType(t.dtype)) throw new Error(`widened: ${t.dtype} is not a float dtype or a block format`);
  let entry = widenedByStorage.get(t.storage);
  if (!entry) {
    entry = {};
    widenedByStorage.set(t.storage, entry);
  }
  let values = entry[t.dtype];
  if (!values) {
    if (isQuantDType(t.dtype)) {
      const cols = t.shape[t.shape.length - 1] ?? 1;
      values = dequantize(t.dtype, (data as unknown as Uint8Array).subarray(0, t.byteLength), t.size / cols, cols);
    } else {
      const bits = data as Uint16Array;
      values = t.dtype === 'float16' ? float16ArrayToFloat32(bits) : bfloat16ArrayToFloat32(bits);
    }
    entry[t.dtype] = values;
  }
  return values.length === t.size ? values : values.subarray(0, t.size);
}
