import { ArgumentError } from '@cria/core';

/** The RoPE variants of transformers' modeling_rope_utils that a Llama can use. */
export type RopeType = 'default' | 'linear' | 'dynamic' | 'yarn' | 'longrope' | 'llama3';

export const ROPE_TYPES: readonly RopeType[] = ['default', 'linear', 'dynamic', 'yarn', 'longrope', 'llama3'];

/**
 * `config.rope_parameters` as transformers 5 holds it after standardisation: `rope_type` and `rope_theta`
 * always set, the type's own parameters beside them (`type` is the old name of `rope_type`, kept as read).
 */
export interface RopeParameters {
  rope_type: RopeType;
  rope_theta: number;
  type?: RopeType;
  factor?: number | null;
  original_max_position_embeddings?: number;
  attention_factor?: number | null;
  beta_fast?: number | null;
  beta_slow?: number | null;
  mscale?: number | null;
  mscale_all_dim?: number | null;
  truncate?: boolean | null;
  short_factor?: number[];
  long_factor?: number[];
  low_freq_factor?: number;
  high_freq_factor?: number;
  partial_rotary_factor?: number;
  [key: string]: unknown;
}

/** The transformers 4 spelling (`config.rope_scaling`): the same keys without `rope_theta`. */
export type RopeScaling = Partial<RopeParameters>;

/** transformers 5's default base period (RotaryEmbeddingConfigMixin.default_theta). */
export const DEFAULT_ROPE_THETA = 10000.0;

/** What one config.json (or one set of overrides) says about RoPE, in either layout. */
export interface RopeFields {
  rope_parameters?: unknown;
  rope_scaling?: unknown;
  rope_theta?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Python truthiness of a JSON value, as `rope_scaling or rope_parameters` reads it. */
const truthy = (v: unknown): boolean => (isObject(v) ? Object.keys(v).length > 0 : Boolean(v));
const describe = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** The keys transformers 5's standardisation fills in, compared without `type` (an alias of `rope_type`). */
function comparable(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) if (key !== 'type') out[key] = value;
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/**
 * transformers 5's `convert_rope_params_to_dict` + `standardize_rope_params` for a Llama config:
 * `rope_scaling` (the 4.x key) when it is set, else `rope_parameters`, else what the config held before
 * (`current`); `rope_theta` inside the dict wins over the top-level one, which wins over `current`'s,
 * which defaults to 10000; `rope_type` from the old `type` key or 'default'; llama3, yarn and longrope get
 * `original_max_position_embeddings` = `max_position_embeddings` when they lack it.
 *
 * Where transformers silently prefers one of two fields that disagree, this throws an ArgumentError
 * naming both: `rope_scaling` against `rope_parameters`, and `rope_theta` against the dict's.
 */
export function standardizeRopeParameters(fields: RopeFields, maxPositionEmbeddings: number, current: RopeParameters | null): RopeParameters {
  const { rope_parameters: parameters, rope_scaling: scaling, rope_theta: theta } = fields;
  for (const [name, value] of [['rope_parameters', parameters], ['rope_scaling', scaling]] as const) {
    if (value !== undefined && value !== null && !isObject(value)) {
      throw new ArgumentError(`config field '${name}' must be an object or null, got ${describe(value)}`);
    }
  }
  if (theta !== undefined && theta !== null && (typeof theta !== 'number' || !(theta > 0) || !Number.isFinite(theta))) {
    throw new ArgumentError(`config field 'rope_theta' must be a positive number, got ${describe(theta)}`);
  }

  const fromScaling = truthy(scaling) ? (scaling as Record<string, unknown>) : null;
  const fromParameters = truthy(parameters) ? (parameters as Record<string, unknown>) : null;
  const chosen = fromScaling ?? fromParameters;
  const chosenName = fromScaling ? 'rope_scaling' : 'rope_parameters';
  let out: Record<string, unknown>;
  if (chosen) {
    out = { ...chosen };
    if (out.rope_theta === undefined) out.rope_theta = theta ?? current?.rope_theta ?? DEFAULT_ROPE_THETA;
    else if (theta !== undefined && theta !== null && out.rope_theta !== theta) {
      throw new ArgumentError(`config fields 'rope_theta' (${describe(theta)}) and '${chosenName}.rope_theta' (${describe(out.rope_theta)}) disagree; give one of them, or the same value in both`);
    }
    if (out.rope_type === undefined) out.rope_type = out.type ?? 'default';
  } else {
    out = current ? { ...current } : { rope_type: 'default' };
    out.rope_theta = theta ?? current?.rope_theta ?? DEFAULT_ROPE_THETA;
  }
  if (ROPE_TYPES.includes(out.rope_type as RopeType) && ['llama3', 'yarn', 'longrope'].includes(out.rope_type as string)) {
    out.original_max_position_embeddings ??= maxPositionEmbeddings;
  }

  if (fromScaling && fromParameters) {
    const other: Record<string, unknown> = { ...fromParameters };
    other.rope_type ??= other.type ?? 'default';
    other.rope_theta ??= out.rope_theta;
    if (['llama3', 'yarn', 'longrope'].includes(other.rope_type as string)) other.original_max_position_embeddings ??= maxPositionEmbeddings;
    const a = comparable(out);
    const b = comparable(other);
    const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameValue(a[k], b[k]));
    if (differing.length > 0) {
      const key = differing[0]!;
      throw new ArgumentError(
        `config fields 'rope_scaling' and 'rope_parameters' disagree on '${key}' (${describe(a[key])} vs ${describe(b[key])}); ` +
          `transformers 5 reads 'rope_parameters', transformers 4 'rope_scaling': give one of them, or the same values in both`,
      );
    }
  }
  return out as RopeParameters;
}

/** The config.json field the standardised parameters came from, for error messages. */
export function ropeFieldOf(fields: RopeFields, previous: 'rope_parameters' | 'rope_scaling'): 'rope_parameters' | 'rope_scaling' {
  if (truthy(fields.rope_scaling)) return 'rope_scaling';
  if (truthy(fields.rope_parameters)) return 'rope_parameters';
  return previous;
}

/** The keys each rope type needs after standardisation (transformers 5's `_validate_*_rope_parameters`). */
const REQUIRED: Record<RopeType, readonly string[]> = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor'],
  yarn: ['factor', 'original_max_position_embeddings'],
  longrope: ['short_factor', 'long_factor', 'original_max_position_embeddings'],
  llama3: ['factor', 'original_max_position_embeddings', 'low_freq_factor', 'high_freq_factor'],
};

/** The keys each rope type reads besides `rope_type` and `rope_theta` (its validator's required + optional keys). */
const PARAMETERS: Record<RopeType, readonly string[]> = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor'],
  yarn: ['factor', 'original_max_position_embeddings', 'attention_factor', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'truncate'],
  longrope: ['short_factor', 'long_factor', 'original_max_position_embeddings', 'attention_factor', 'factor'],
  llama3: ['factor', 'original_max_position_embeddings', 'low_freq_factor', 'high_freq_factor'],
};
const ALL_PARAMETERS = new Set(Object.values(PARAMETERS).flat());

/** Keys whose value may be null where required: yarn's factor (then max_position_embeddings / original). */
const NULLABLE_REQUIRED: Partial<Record<RopeType, readonly string[]>> = { yarn: ['factor'] };

/**
 * Checks standardised `rope_parameters` for a Llama of head size `headDim`; errors name the key under
 * `field`, the config.json field the parameters came from ('rope_parameters' or 4.x's 'rope_scaling').
 */
export function validateRopeParameters(params: RopeParameters, headDim: number, field: 'rope_parameters' | 'rope_scaling' = 'rope_parameters'): void {
  const type = params.rope_type;
  if (!ROPE_TYPES.includes(type)) {
    throw new ArgumentError(`config field '${field}.rope_type' is ${describe(type)}; expected one of ${ROPE_TYPES.join(', ')}`);
  }
  // A parameter of another rope type would be silently ignored (transformers only warns): refuse it by
  // name. Keys no rope type reads (metadata such as YaRN checkpoints' `finetuned`) are left alone.
  for (const key of Object.keys(params)) {
    if (ALL_PARAMETERS.has(key) && !PARAMETERS[type].includes(key) && params[key] !== null && params[key] !== undefined) {
      throw new ArgumentError(`config field '${field}.${key}' is not a parameter of rope_type '${type}' (it would be ignored); remove it or set the rope_type that uses it`);
    }
  }
  for (const key of REQUIRED[type]) {
    const nullable = NULLABLE_REQUIRED[type]?.includes(key) ?? false;
    if (!(key in params) || (!nullable && (params[key] === undefined || params[key] === null))) {
      throw new ArgumentError(`config field '${field}.${key}' is required for rope_type '${type}'`);
    }
  }
  const number = (key: string, min: number, inclusive: boolean, integer = false): void => {
    const v = params[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || (inclusive ? v < min : v <= min) || (integer && !Number.isInteger(v))) {
      throw new ArgumentError(`config field '${field}.${key}' must be ${integer ? 'an integer' : 'a number'} ${inclusive ? '>=' : '>'} ${min}, got ${describe(v)}`);
    }
  };
  number('rope_theta', 0, false);
  if (type !== 'default') number('factor', 1, true);
  number('original_max_position_embeddings', 0, false, true);
  number('attention_factor', 0, true);
  number('beta_fast', 0, false);
  number('beta_slow', 0, false);
  number('mscale', 0, true);
  number('mscale_all_dim', 0, true);
  const truncate = params.truncate;
  if (truncate !== undefined && truncate !== null && typeof truncate !== 'boolean') {
    throw new ArgumentError(`config field '${field}.truncate' must be true, false or null, got ${describe(truncate)}`);
  }
  // A Llama rotates the whole head: transformers builds a shorter table and then fails to apply it.
  const partial = params.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw new ArgumentError(`config field '${field}.partial_rotary_factor' is ${describe(partial)}; a Llama applies RoPE to the whole head (1.0)`);
  }
  if (type === 'llama3') {
    number('low_freq_factor', 0, false);
    number('high_freq_factor', 0, false);
    if (params.high_freq_factor! <= params.low_freq_factor!) {
      throw new ArgumentError(`config field '${field}.high_freq_factor' (${params.high_freq_factor}) must be larger than 'low_freq_factor' (${params.low_freq_factor})`);
    }
  }
  if (type === 'longrope') {
    for (const key of ['short_factor', 'long_factor'] as const) {
      const list = params[key];
      if (!Array.isArray(list) || list.length !== headDim / 2 || list.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new ArgumentError(`config field '${field}.${key}' must be a list of ${headDim / 2} numbers (head_dim / 2)`);
      }
    }
  }
}

/** `rope_parameters` in transformers 4's spelling: `rope_scaling` (null for the default type) and `rope_theta`. */
export function ropeScalingOf(params: RopeParameters): { rope_scaling: RopeScaling | null; rope_theta: number } {
  if (params.rope_type === 'default') return { rope_scaling: null, rope_theta: params.rope_theta };
  const { rope_theta, ...rest } = params;
  return { rope_scaling: structuredClone(rest), rope_theta };
}
