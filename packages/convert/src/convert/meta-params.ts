// params.json of a Meta checkpoint, validated.
import { readFile } from 'node:fs/promises';
import { FileFormatError } from '@cria/core';

export interface MetaParams {
  dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads?: number;
  vocab_size?: number;
  multiple_of?: number;
  ffn_dim_multiplier?: number;
  norm_eps: number;
  rope_theta?: number;
  use_scaled_rope?: boolean;
}

export async function readMetaParams(path: string): Promise<MetaParams> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FileFormatError(path, `cannot read params.json: ${(error as Error).message}`, { cause: error });
  }
  return parseMetaParams(raw, path);
}

export function parseMetaParams(raw: unknown, file: string): MetaParams {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FileFormatError(file, 'params.json must be a JSON object');
  // Some releases nest the fields under "model".
  const obj = ('model' in raw && typeof (raw as { model: unknown }).model === 'object' ? (raw as { model: object }).model : raw) as Record<string, unknown>;
  const positiveInt = (field: string, optional = false): number | undefined => {
    const v = obj[field];
    if (v === undefined || v === null) {
      if (optional) return undefined;
      throw new FileFormatError(file, `params.json lacks '${field}' (a positive integer)`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new FileFormatError(file, `params.json '${field}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const positiveNumber = (field: string, optional = false): number | undefined => {
    const v = obj[field];
    if (v === undefined || v === null) {
      if (optional) return undefined;
      throw new FileFormatError(file, `params.json lacks '${field}' (a positive number)`);
    }
    if (typeof v !== 'number' || !(v > 0)) throw new FileFormatError(file, `params.json '${field}' must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  const params: MetaParams = {
    dim: positiveInt('dim')!,
    n_layers: positiveInt('n_layers')!,
    n_heads: positiveInt('n_heads')!,
    norm_eps: positiveNumber('norm_eps')!,
  };
  const nKv = positiveInt('n_kv_heads', true);
  if (nKv !== undefined) params.n_kv_heads = nKv;
  const vocab = obj.vocab_size;
  if (typeof vocab === 'number' && vocab > 0) params.vocab_size = vocab; // -1 means "from the tokenizer"
  const multipleOf = positiveInt('multiple_of', true);
  if (multipleOf !== undefined) params.multiple_of = multipleOf;
  const ffn = positiveNumber('ffn_dim_multiplier', true);
  if (ffn !== undefined) params.ffn_dim_multiplier = ffn;
  const theta = positiveNumber('rope_theta', true);
  if (theta !== undefined) params.rope_theta = theta;
  if (obj.use_scaled_rope !== undefined) {
    if (typeof obj.use_scaled_rope !== 'boolean') throw new FileFormatError(file, `params.json 'use_scaled_rope' must be true or false`);
    params.use_scaled_rope = obj.use_scaled_rope;
  }
  if (params.dim % params.n_heads !== 0) throw new FileFormatError(file, `params.json 'n_heads' (${params.n_heads}) must divide 'dim' (${params.dim})`);
  if ((params.dim / params.n_heads) % 2 !== 0) throw new FileFormatError(file, `params.json head size dim/n_heads = ${params.dim / params.n_heads} must be even for rotary embeddings`);
  if (params.n_kv_heads !== undefined && params.n_heads % params.n_kv_heads !== 0) {
    throw new FileFormatError(file, `params.json 'n_kv_heads' (${params.n_kv_heads}) must divide 'n_heads' (${params.n_heads})`);
  }
  return params;
}

/** transformers' compute_intermediate_size: multiple_of * ceil(int(ffn_dim_multiplier * int(8n/3)) / multiple_of). */
export function computeIntermediateSize(dim: number, ffnDimMultiplier = 1, multipleOf = 256): number {
  const hidden = Math.trunc(ffnDimMultiplier * Math.trunc((8 * dim) / 3));
  return multipleOf * Math.floor((hidden + multipleOf - 1) / multipleOf);
}
