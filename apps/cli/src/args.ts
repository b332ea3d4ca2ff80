// Argument parsing on node:util parseArgs, with errors that name the flag and what it expects.
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses `argv` against `flags`; unknown flags and stray positionals are a UsageError. */
export function parseFlags(command: string, argv: string[], flags: FlagSpec): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: true });
    if (positionals.length) throw new UsageError(`cria ${command}: unexpected argument '${positionals[0]}'`);
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cria ${command}: ${(error as Error).message}`);
  }
}

/** An integer flag within [min, max] (undefined when absent). */
export function intFlag(command: string, values: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`cria ${command}: --${name} must be an integer in [${min}, ${max}], got '${String(raw)}'`);
  return n;
}

/** A number flag within [min, max] (undefined when absent). */
export function numberFlag(command: string, values: Record<string, unknown>, name: string, min: number, max = Infinity): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`cria ${command}: --${name} must be a number in [${min}, ${max}], got '${String(raw)}'`);
  return n;
}

/** A flag of comma-separated token ids, "1,2,3" -> [1, 2, 3] (undefined when absent). */
export function idsFlag(command: string, values: Record<string, unknown>, name: string): number[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const ids = String(raw).split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`cria ${command}: --${name} must be comma-separated token ids, got '${String(raw)}'`);
  return ids;
}

/** A flag whose value must be one of `choices`. */
export function choiceFlag<T extends string>(command: string, values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new UsageError(`cria ${command}: --${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`);
  return raw as T;
}

export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda', 'reference'] as const;
export const DTYPES = ['auto', 'float32', 'float16', 'bfloat16'] as const;
