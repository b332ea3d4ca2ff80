// Test helpers shared by every package's tests. Not part of the runtime surface.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The fixtures folder: $CRIA_FIXTURES, or `fixtures/` at the repository root (the copy committed with
 * the code; `fixtures.SHA256SUMS` beside it lists every file). Throws (tests fail, not skip) when it is
 * missing.
 */
export function fixturesDir(): string {
  const fromEnv = process.env.CRIA_FIXTURES;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CRIA_FIXTURES=${fromEnv} does not exist`);
    return resolve(fromEnv);
  }
  const fixtures = join(repositoryRoot(), 'fixtures');
  if (!existsSync(fixtures)) throw new Error(`fixtures not found at ${fixtures}: the repository's fixtures/ folder is missing (or set CRIA_FIXTURES)`);
  return fixtures;
}

/** The repository root: the nearest folder above the working directory that holds pnpm-workspace.yaml. */
export function repositoryRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml) above ' + process.cwd());
    dir = up;
  }
  return dir;
}

/** A path inside the fixtures folder, which must exist. */
export function fixture(...parts: string[]): string {
  const path = join(fixturesDir(), ...parts);
  if (!existsSync(path)) throw new Error(`fixture missing: ${path}`);
  return path;
}

/** ‖a−b‖ / ‖b‖ (0 when both are zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  if (Number.isNaN(num)) return NaN;
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/**
 * A small seeded generator (mulberry32, 32-bit state) so tests and fuzzers get the same numbers on
 * every run and machine, and a failure reproduces from its seed.
 */
export class SeededRandom {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32-bit output as an unsigned integer. */
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [-amplitude, amplitude). */
  symmetric(amplitude = 1): number {
    return (this.next() * 2 - 1) * amplitude;
  }

  /** An integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low));
  }

  /** `length` floats uniform in [-amplitude, amplitude). */
  floats(length: number, amplitude = 1): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.symmetric(amplitude);
    return out;
  }

  /** A random permutation of 0 .. n-1. */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}

/** The generator of a `SeededRandom` as a plain function: uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

/** A 32-bit seed from a name (FNV-1a), so adding a case does not change the seeds of the others. */
export function seedOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A `readRange(offset, length)` over `bytes` for `Backend.uploadByRanges`, recording each read as [offset, length]. */
export function rangeReaderOf(bytes: Uint8Array): { reads: [number, number][]; readRange: (offset: number, length: number) => Promise<Uint8Array> } {
  const reads: [number, number][] = [];
  const readRange = async (offset: number, length: number): Promise<Uint8Array> => {
    reads.push([offset, length]);
    return bytes.slice(offset, offset + length);
  };
  return { reads, readRange };
}

/**
 * The largest ‖a−b‖/‖b‖ a backend's op may be from the reference backend's (the op-conformance bounds; shared by the
 * kernel packages' own tests so none keeps a looser copy). Index outputs and raw float16/bfloat16 bits are exact.
 */
export const BOUND = {
  /** Copies and gathers: bit-exact. */
  exact: 0,
  /** Elementwise ops and short reductions. */
  elementwise: 1e-6,
  /** Long dot products (linear, attention) and transcendental functions of large arguments (rope). */
  reduction: 1e-5,
} as const;
