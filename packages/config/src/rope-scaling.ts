import { ArgumentError } from '@cria/core';

/** The RoPE variants of transformers' modeling_rope_utils. */
export type RopeType = 'default' | 'linear' | 'dynamic' | 'yarn' | 'longrope' | 'llama3';

export const ROPE_TYPES: readonly RopeType[] = ['default', 'linear', 'dynamic', 'yarn', 'longrope', 'llama3'];

/** config.rope_scaling as in config.json (`type` is the old name of `rope_type`). */
export interface RopeScaling {
  rope_type?: RopeType;
  type?: RopeType;
  factor?: number;
  original_max_position_embeddings?: number;
  attention_factor?: number;
  beta_fast?: number;
  beta_slow?: number;
  mscale?: number;
  mscale_all_dim?: number;
  truncate?: boolean;
  short_factor?: number[];
  long_factor?: number[];
  low_freq_factor?: number;
  high_freq_factor?: number;
  [key: string]: unknown;
}

const REQUIRED: Record<RopeType, readonly string[]> = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor'],
  yarn: ['factor'],
  longrope: ['short_factor', 'long_factor'],
  llama3: ['factor', 'original_max_position_embeddings', 'low_freq_factor', 'high_freq_factor'],
};

/** The rope type named by `rope_scaling` ('default' when it is null). */
export function ropeTypeOf(scaling: RopeScaling | null | undefined): RopeType {
  if (!scaling) return 'default';
  return (scaling.rope_type ?? scaling.type ?? 'default') as RopeType;
}

/** Checks `rope_scaling` as transformers' rope_config_validation does; errors name the key. */
export function validateRopeScaling(scaling: unknown, headDim: number): void {
  if (scaling === null || scaling === undefined) return;
  if (typeof scaling !== 'object' || Array.isArray(scaling)) {
    throw new ArgumentError(`config field 'rope_scaling' must be an object or null, got ${JSON.stringify(scaling)}`);
  }
  const s = scaling as RopeScaling;
  const type = s.rope_type ?? s.type;
  if (type === undefined) throw new ArgumentError(`config field 'rope_scaling' needs 'rope_type' (or the older 'type')`);
  if (!ROPE_TYPES.includes(type)) {
    throw new ArgumentError(`config field 'rope_scaling.rope_type' is '${String(type)}'; expected one of ${ROPE_TYPES.join(', ')}`);
  }
  for (const key of REQUIRED[type]) {
    if (s[key] === undefined || s[key] === null) throw new ArgumentError(`config field 'rope_scaling.${key}' is required for rope_type '${type}'`);
  }
  const positive = (key: string, min = 0, inclusive = false): void => {
    const v = s[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || (inclusive ? v < min : v <= min)) {
      throw new ArgumentError(`config field 'rope_scaling.${key}' must be a number ${inclusive ? '>=' : '>'} ${min}, got ${JSON.stringify(v)}`);
    }
  };
  if (type === 'linear' || type === 'dynamic' || type === 'yarn' || type === 'llama3') positive('factor', 1, true);
  positive('original_max_position_embeddings');
  positive('attention_factor', 0, true);
  positive('beta_fast');
  positive('beta_slow');
  if (type === 'llama3') {
    positive('low_freq_factor');
    positive('high_freq_factor');
    if (s.high_freq_factor! <= s.low_freq_factor!) {
      throw new ArgumentError(`config field 'rope_scaling.high_freq_factor' (${s.high_freq_factor}) must be larger than 'low_freq_factor' (${s.low_freq_factor})`);
    }
  }
  if (type === 'longrope') {
    for (const key of ['short_factor', 'long_factor'] as const) {
      const list = s[key];
      if (!Array.isArray(list) || list.length !== headDim / 2 || list.some((x) => typeof x !== 'number')) {
        throw new ArgumentError(`config field 'rope_scaling.${key}' must be a list of ${headDim / 2} numbers (head_dim / 2)`);
      }
    }
  }
}
