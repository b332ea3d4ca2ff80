// Where checkpoints are written once.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `--cache`, else $CRIA_BENCH_CACHE, else node_modules/.cache/cria-bench-llama-cpp in this package. */
export function cacheDir(flag: string | undefined): string {
  return flag ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.cache', 'cria-bench-llama-cpp');
}

export const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
