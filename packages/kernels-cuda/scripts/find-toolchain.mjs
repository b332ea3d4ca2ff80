// The CUDA toolkit the addon builds with, found without side effects (node-gyp, the Node headers, when to build and
// the build lock are @cria/native-build's). Every function takes its environment as arguments, so the rules can be
// tested with temporary directories and fake environments. Used by scripts/build-addon.mjs; typed by
// find-toolchain.d.mts.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOnPath, isExecutableFile, isFile } from '@cria/native-build';

/** Where a toolkit keeps libcudart_static.a, relative to its home (NVIDIA installers, then Debian's layout). */
export const CUDA_LIB_DIRS = ['lib64', 'lib', 'targets/x86_64-linux/lib', 'targets/sbsa-linux/lib', 'lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu'];

/** Where NVIDIA's installers put the toolkit; named in the reason when nvcc is not on PATH. */
export const STANDARD_CUDA_HOMES = ['/usr/local/cuda'];


/** The lib directory of `home` that holds libcudart_static.a, or undefined. */
export function findCudaLibDir(home) {
  for (const dir of CUDA_LIB_DIRS) {
    if (existsSync(join(home, dir, 'libcudart_static.a'))) return join(home, dir);
  }
  return undefined;
}

/** What `home` lacks to be a toolkit the addon builds with (bin/nvcc, include/cuda_runtime.h, libcudart_static.a), or undefined. */
function missingFromHome(home) {
  const missing = [];
  if (!isExecutableFile(join(home, 'bin', 'nvcc'))) missing.push('bin/nvcc');
  if (!isFile(join(home, 'include', 'cuda_runtime.h'))) missing.push('include/cuda_runtime.h');
  if (!findCudaLibDir(home)) missing.push(`libcudart_static.a (looked in ${CUDA_LIB_DIRS.join(', ')})`);
  return missing.length > 0 ? missing.join(', ') : undefined;
}

/** The toolkit homes an nvcc on PATH points at: the target of a `exec …/bin/nvcc` wrapper script, then its own grandparent. */
function homesOfNvcc(nvcc) {
  const real = realpathSync(nvcc);
  const homes = [];
  try {
    const head = readFileSync(real, { encoding: 'utf8', flag: 'r' }).slice(0, 4096);
    if (head.startsWith('#!')) {
      const wrapped = /(\/[^\s"']*)\/bin\/nvcc\b/.exec(head);
      if (wrapped?.[1]) homes.push(wrapped[1]);
    }
  } catch {
    /* unreadable: not a wrapper we can follow */
  }
  homes.push(dirname(dirname(real)));
  return [...new Set(homes)];
}

/**
 * Finds the CUDA toolkit: $CUDA_HOME (or $CUDA_PATH) when set, else the nvcc on PATH (wrapper scripts
 * followed). Returns `{ ok: true, home, libDir, nvcc, source }` or `{ ok: false, reason }`.
 * @param {{ env?: Record<string, string | undefined>, standardHomes?: string[] }} [options]
 */
export function findCudaToolkit({ env = process.env, standardHomes = STANDARD_CUDA_HOMES } = {}) {
  const variable = env.CUDA_HOME ? 'CUDA_HOME' : env.CUDA_PATH ? 'CUDA_PATH' : undefined;
  if (variable) {
    const home = env[variable];
    if (!existsSync(home)) return { ok: false, reason: `${variable}=${home} does not exist` };
    const missing = missingFromHome(home);
    if (missing) return { ok: false, reason: `${variable}=${home} is not a usable CUDA toolkit: it has no ${missing}` };
    return { ok: true, home, libDir: findCudaLibDir(home), nvcc: join(home, 'bin', 'nvcc'), source: variable };
  }
  const nvcc = findOnPath('nvcc', env.PATH);
  if (!nvcc) {
    const installed = standardHomes.find((home) => !missingFromHome(home));
    const hint = installed ? ` (${installed} holds a toolkit: set CUDA_HOME=${installed})` : ' (set CUDA_HOME or put nvcc on PATH)';
    return { ok: false, reason: `no CUDA toolkit found: CUDA_HOME is unset and nvcc is not on PATH${hint}` };
  }
  const candidates = [...homesOfNvcc(nvcc), ...standardHomes];
  const home = candidates.find((candidate) => !missingFromHome(candidate));
  if (!home) {
    return { ok: false, reason: `found ${nvcc} but no toolkit beside it with ${missingFromHome(candidates[0])} (set CUDA_HOME)` };
  }
  return { ok: true, home, libDir: findCudaLibDir(home), nvcc: join(home, 'bin', 'nvcc'), source: `nvcc on PATH (${nvcc})` };
}
