// Just enough of safetensors for these tests: whole small files, F32 / F16 / BF16, one file or a sharded index.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DType, type TypedArray, typedArrayFromBytes } from '@cria/core';

export interface StoredTensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

const DTYPES: Record<string, DType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64' };

export function readSafetensors(path: string): Map<string, StoredTensor> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = DTYPES[info.dtype];
    if (!dtype) throw new Error(`${path}: ${name} has dtype ${info.dtype}, which these tests do not read`);
    const [begin, end] = info.data_offsets;
    const data = typedArrayFromBytes(dtype, new Uint8Array(bytes.subarray(8 + headerLength + begin, 8 + headerLength + end)));
    tensors.set(name, { dtype, shape: info.shape, data });
  }
  return tensors;
}

/** Every weight of a checkpoint folder (model.safetensors, or the shards model.safetensors.index.json names). */
export function readCheckpoint(dir: string): Map<string, StoredTensor> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return readSafetensors(single);
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
  const tensors = new Map<string, StoredTensor>();
  for (const shard of new Set(Object.values(index.weight_map))) for (const [name, t] of readSafetensors(join(dir, shard))) tensors.set(name, t);
  return tensors;
}
