// Loads checkpoint tensors into a module tree: module paths are checkpoint keys, so this is a walk.
import {
  type Backend,
  type DType,
  FileFormatError,
  type Tensor,
  type TypedArray,
  UnsupportedOpError,
  bfloat16ArrayToFloat32,
  float16ArrayToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
  hostData,
} from '@cria/core';
import type { Module, Parameter } from '../nn/module.js';

/** What the loader needs of a checkpoint (a SafetensorsCheckpoint satisfies it). */
export interface WeightSource {
  keys(): string[];
  info(name: string): { dtype: DType | null; shape: readonly number[] };
  get(name: string): Promise<Tensor>;
}

/** 'auto' keeps each matrix's stored dtype; the others convert matrices at load. Vectors are always float32. */
export type LoadDType = 'auto' | 'float32' | 'float16' | 'bfloat16';
export const LOAD_DTYPES: readonly LoadDType[] = ['auto', 'float32', 'float16', 'bfloat16'];

const BASE_PREFIXES = ['model.', 'transformer.'];
const BASE_KEY = /^(embed_tokens|layers|norm)\./;
/** Buffers old checkpoints carry that are not weights. */
const IGNORED_KEY = /(^|\.)rotary_emb\.inv_freq$|^rope\.freqs$/;

export interface LoadOptions {
  dtype: LoadDType;
  /** Where the base model sits in this class: 'model.', 'transformer.' or '' (LlamaModel itself). */
  basePrefix: string;
  /** Names the checkpoint in errors. */
  where: string;
}

/** The module name a checkpoint key refers to, or null for a head weight a base model ignores. */
function moduleName(key: string, basePrefix: string): string | null {
  for (const prefix of BASE_PREFIXES) if (key.startsWith(prefix)) return basePrefix + key.slice(prefix.length);
  if (BASE_KEY.test(key)) return basePrefix + key;
  return basePrefix === '' ? null : key;
}

function convert(data: TypedArray, from: DType, to: DType): TypedArray {
  if (from === to) return data;
  const wide = from === 'float32' ? (data as Float32Array) : from === 'float16' ? float16ArrayToFloat32(data as Uint16Array) : bfloat16ArrayToFloat32(data as Uint16Array);
  if (to === 'float32') return wide;
  return to === 'float16' ? float32ArrayToFloat16(wide) : float32ArrayToBfloat16(wide);
}

const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];

/** Fills every parameter of `model` from `source`; missing, unexpected or misshapen weights are one error naming them. */
export async function loadWeights(model: Module, source: WeightSource, backend: Backend, options: LoadOptions): Promise<void> {
  const named = model.namedParameters();
  const byName = new Map<string, Parameter>(named);
  const chosen = new Map<Parameter, string>(); // parameter -> checkpoint key
  const unexpected: string[] = [];
  for (const key of source.keys()) {
    if (IGNORED_KEY.test(key)) continue;
    const name = moduleName(key, options.basePrefix);
    if (name === null) continue; // a head's weight, loading a base model from a head checkpoint
    const param = byName.get(name);
    if (!param) {
      unexpected.push(key);
      continue;
    }
    if (!chosen.has(param)) chosen.set(param, key);
    else if (named.find(([, p]) => p === param)?.[0] === name) chosen.set(param, key); // a tied pair: the first name wins
  }
  const missing = [...new Set(named.filter(([, p]) => !chosen.has(p)).map(([n, p]) => named.find(([, q]) => q === p)![0]))];
  const faults: string[] = [];
  if (missing.length) faults.push(`missing weights: ${list(missing)}`);
  if (unexpected.length) faults.push(`unexpected weights: ${list(unexpected)}`);
  for (const [param, key] of chosen) {
    const info = source.info(key);
    if (info.shape.length !== param.shape.length || info.shape.some((d, i) => d !== param.shape[i])) {
      faults.push(`weight '${key}' has shape [${info.shape.join(', ')}], expected [${param.shape.join(', ')}]`);
    } else if (!info.dtype || !FLOAT_DTYPES.includes(info.dtype)) {
      faults.push(`weight '${key}' has dtype ${info.dtype ?? 'unsupported'}, expected float32, float16 or bfloat16`);
    }
  }
  if (faults.length) throw new FileFormatError(options.where, faults.join('; '));

  for (const [param, key] of chosen) {
    const stored = source.info(key).dtype!;
    const target: DType = param.kind === 'vector' ? 'float32' : options.dtype === 'auto' ? stored : options.dtype;
    const host = await source.get(key);
    const data = convert(hostData(host).subarray(0, host.size) as TypedArray, stored, target);
    host.dispose();
    param.value = backend.upload(data, param.shape, target);
  }
  checkSupport(backend, named.map(([, p]) => p));
}

function checkSupport(backend: Backend, params: Parameter[]): void {
  for (const dtype of new Set(params.filter((p) => p.kind === 'matrix').map((p) => p.value.dtype))) {
    if (!backend.supports('linear', ['float32', dtype])) throw new UnsupportedOpError(backend.name, 'linear', ['float32', dtype]);
    if (!backend.supports('embedding', [dtype, 'int32'])) throw new UnsupportedOpError(backend.name, 'embedding', [dtype, 'int32']);
  }
}

function list(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}
