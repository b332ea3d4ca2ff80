// Which checkpoint tensor fills which parameter: module paths are checkpoint keys, so this is a walk.
import { FileFormatError, QUANT_DTYPES, type QuantDType, dtypeByteLength, isQuantDType, quantDTypeForRows } from '@cria/core';
import type { Parameter } from '../nn/module.js';
import { FLOAT_DTYPES, type FloatDType } from './float-conversion.js';
import type { WeightSource } from './weight-source.js';

/**
 * 'auto' keeps each matrix's stored dtype; the others convert matrices at load: a float dtype, or a block format
 * (quantized as llama.cpp's reference quantizers do; a matrix whose rows are not whole blocks takes llama-quantize's
 * fallback, or keeps its float dtype). Vectors are always float32.
 */
export type LoadDType = 'auto' | FloatDType | QuantDType;
export const LOAD_DTYPES: readonly LoadDType[] = ['auto', 'float32', 'float16', 'bfloat16', ...QUANT_DTYPES];

const BASE_PREFIXES = ['model.', 'transformer.'];
const BASE_KEY = /^(embed_tokens|layers|norm)\./;
/** Buffers old checkpoints carry that are not weights. */
const IGNORED_KEY = /(^|\.)rotary_emb\.inv_freq$|^rope\.freqs$/;
/** The file name progress reports for a source that does not say which file holds a tensor. */
export const UNNAMED_FILE = 'weights';

/** One tensor to load. */
export interface PlannedWeight {
  param: Parameter;
  key: string;
  /** A float dtype, or a block format (kept as stored: target equals stored). */
  stored: FloatDType | QuantDType;
  target: FloatDType | QuantDType;
  file: string;
  byteOffset: number;
  /** Bytes of the tensor as stored. */
  storedBytes: number;
}

/** The module name a checkpoint key refers to, or null for a head weight a base model ignores. */
function moduleName(key: string, basePrefix: string): string | null {
  for (const prefix of BASE_PREFIXES) if (key.startsWith(prefix)) return basePrefix + key.slice(prefix.length);
  if (BASE_KEY.test(key)) return basePrefix + key;
  return basePrefix === '' ? null : key;
}

/**
 * Matches every parameter to a checkpoint key and checks shapes and dtypes; missing, unexpected or
 * misshapen weights are one FileFormatError naming them all (`where` names the checkpoint). The plan is in
 * reading order: file by file (in order of first appearance), by offset within a file.
 */
export function planWeights(named: [string, Parameter][], source: WeightSource, dtype: LoadDType, basePrefix: string, where: string): PlannedWeight[] {
  const byName = new Map<string, Parameter>(named);
  const chosen = new Map<Parameter, string>(); // parameter -> checkpoint key
  const unexpected: string[] = [];
  for (const key of source.keys()) {
    if (IGNORED_KEY.test(key)) continue;
    const name = moduleName(key, basePrefix);
    if (name === null) continue; // a head's weight, loading a base model from a head checkpoint
    const param = byName.get(name);
    if (!param) {
      unexpected.push(key);
      continue;
    }
    if (!chosen.has(param)) chosen.set(param, key);
    else if (named.find(([, p]) => p === param)?.[0] === name) chosen.set(param, key); // a tied pair: the first name wins
  }
  const missing = [...new Set(named.filter(([, p]) => !chosen.has(p)).map(([n, p]) => named.find(([, q]) => q === p)?.[0] ?? n))];
  const faults: string[] = [];
  if (missing.length) faults.push(`missing weights: ${list(missing)}`);
  if (unexpected.length) faults.push(`unexpected weights: ${list(unexpected)}`);
  const plan: PlannedWeight[] = [];
  for (const [param, key] of chosen) {
    const info = source.info(key);
    if (info.shape.length !== param.shape.length || info.shape.some((d, i) => d !== param.shape[i])) {
      faults.push(`weight '${key}' has shape [${info.shape.join(', ')}], expected [${param.shape.join(', ')}]`);
    } else if (info.dtype && isQuantDType(info.dtype)) {
      const fault = quantFault(key, info.dtype, param.kind, dtype);
      if (fault) faults.push(fault);
      else plan.push({ param, key, stored: info.dtype, target: info.dtype, file: info.file ?? UNNAMED_FILE, byteOffset: info.byteOffset ?? 0, storedBytes: dtypeByteLength(info.dtype, info.shape) });
    } else if (!info.dtype || !FLOAT_DTYPES.includes(info.dtype)) {
      faults.push(`weight '${key}' has dtype ${info.dtype ?? 'unsupported'}, expected float32, float16 or bfloat16`);
    } else {
      const stored = info.dtype as FloatDType;
      const target = param.kind === 'vector' ? 'float32' : dtype === 'auto' ? stored : isQuantDType(dtype) ? (quantDTypeForRows(dtype, info.shape.at(-1)!) ?? stored) : dtype;
      const storedBytes = dtypeByteLength(stored, info.shape);
      plan.push({ param, key, stored, target, file: info.file ?? UNNAMED_FILE, byteOffset: info.byteOffset ?? 0, storedBytes });
    }
  }
  if (faults.length) throw new FileFormatError(where, faults.join('; '));
  const fileOrder = new Map<string, number>();
  for (const w of plan) if (!fileOrder.has(w.file)) fileOrder.set(w.file, fileOrder.size);
  return plan.sort((a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.byteOffset - b.byteOffset);
}

/** Why a block-format weight cannot load as asked, or null: matrices only, kept as stored. */
function quantFault(key: string, stored: QuantDType, kind: Parameter['kind'], dtype: LoadDType): string | null {
  if (kind === 'vector') return `weight '${key}' is ${stored}; a vector (norm, bias) must be float32, float16 or bfloat16`;
  if (dtype !== 'auto') return `weight '${key}' is ${stored}: dtype '${dtype}' would convert its blocks, which cria does not do at load (leave dtype out to run them as stored)`;
  return null;
}

function list(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}
