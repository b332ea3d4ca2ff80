// The flags generate, chat and serve share (--model, --device, --dtype, --max-new-tokens, sampling), parsed with args.ts.
import { DEVICES, DTYPES, UsageError, choiceFlag, intFlag, numberFlag } from '../args.js';

export const GENERATION_FLAGS = {
  model: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const GENERATION_FLAGS_HELP = `[--device auto|cpu|webgpu|cuda|reference] [--dtype auto|float32|float16|bfloat16]
    [--threads N] [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed N]`;

/** Sampling settings in generate()'s names; absent fields fall back to the model's generation_config.json. */
export interface SamplingOptions {
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
}

export interface GenerationFlags {
  dir: string;
  device: (typeof DEVICES)[number];
  dtype: (typeof DTYPES)[number];
  /** --threads: the cpu backend's threads (default: the physical cores). */
  threads?: number;
  maxNewTokens: number;
  sampling: SamplingOptions;
}

/**
 * Reads the shared flags. Sampling is switched on by a non-zero --temperature, --top-k or --top-p and
 * off by --temperature 0; without any of them `baseSampling` decides (cria generate passes
 * { do_sample: false }: greedy), and where it says nothing, the model's generation_config.json.
 */
export function parseGenerationFlags(
  command: string,
  v: Record<string, unknown>,
  defaultMaxNewTokens: number,
  baseSampling: SamplingOptions = {},
): GenerationFlags {
  const dir = v.model;
  if (typeof dir !== 'string' || dir === '') throw new UsageError(`cria ${command}: --model <dir> is required`);
  const temperature = numberFlag(command, v, 'temperature', 0);
  const topK = intFlag(command, v, 'top-k', 0);
  const topP = numberFlag(command, v, 'top-p', 0, 1);
  const seed = intFlag(command, v, 'seed', 0, 2 ** 32 - 1);
  if (topP === 0) throw new UsageError(`cria ${command}: --top-p must be in (0, 1]`);
  const sampling = overrideSampling(baseSampling, { temperature, topK, topP, seed });
  const device = choiceFlag(command, v, 'device', DEVICES, 'auto');
  const threads = intFlag(command, v, 'threads', 1, 1024);
  if (threads !== undefined && device !== 'cpu' && device !== 'auto') throw new UsageError(`cria ${command}: --threads sets the cpu backend's threads; --device ${device} has none`);
  return {
    dir,
    device,
    dtype: choiceFlag(command, v, 'dtype', DTYPES, 'auto'),
    ...(threads !== undefined ? { threads } : {}),
    maxNewTokens: intFlag(command, v, 'max-new-tokens', 1) ?? defaultMaxNewTokens,
    sampling,
  };
}

/**
 * `base` with the given settings over it: temperature 0 is greedy; a
 * positive temperature, a top_k or a top_p samples; none of them leaves `base` (then the model's
 * generation_config.json) in charge of do_sample.
 */
export function overrideSampling(
  base: SamplingOptions,
  given: { temperature?: number | undefined; topK?: number | undefined; topP?: number | undefined; seed?: number | undefined },
): SamplingOptions {
  const sampling: SamplingOptions = { ...base };
  if (given.temperature === 0) sampling.do_sample = false;
  else if (given.temperature !== undefined || given.topK !== undefined || given.topP !== undefined) sampling.do_sample = true;
  if (given.temperature !== undefined && given.temperature > 0) sampling.temperature = given.temperature;
  if (given.topK !== undefined) sampling.top_k = given.topK;
  if (given.topP !== undefined) sampling.top_p = given.topP;
  if (given.seed !== undefined) sampling.seed = given.seed;
  return sampling;
}
