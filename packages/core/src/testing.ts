// Test helpers shared by every package's tests. Not part of the runtime surface.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The fixtures folder: $CRIA_FIXTURES, or `shared/fixtures` beside the repository.
 * Throws (tests fail, not skip) when it is missing.
 */
export function fixturesDir(): string {
  const fromEnv = process.env.CRIA_FIXTURES;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CRIA_FIXTURES=${fromEnv} does not exist`);
    return resolve(fromEnv);
  }
  let dir = process.cwd();
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml) above ' + process.cwd());
    dir = up;
  }
  const fixtures = join(dir, '..', 'shared', 'fixtures');
  if (!existsSync(fixtures)) throw new Error(`fixtures not found at ${fixtures}: set CRIA_FIXTURES or place shared/ beside the repository`);
  return fixtures;
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
