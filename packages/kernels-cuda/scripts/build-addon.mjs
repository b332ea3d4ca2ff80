#!/usr/bin/env node
// Builds the CUDA addon when a CUDA toolkit is found (CUDA_HOME, or nvcc on PATH); otherwise says why and
// succeeds, so the package still builds and the backend reports "addon not built" at run time.
// Usage: node scripts/build-addon.mjs   (run by `pnpm build` after tsup)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function findCudaHome() {
  const fromEnv = process.env.CUDA_HOME || process.env.CUDA_PATH;
  if (fromEnv) {
    if (existsSync(join(fromEnv, 'bin', 'nvcc'))) return { home: fromEnv };
    return { reason: `CUDA_HOME=${fromEnv} has no bin/nvcc` };
  }
  let nvcc;
  try {
    nvcc = execFileSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).trim();
  } catch {
    return { reason: 'no CUDA toolkit found (set CUDA_HOME or put nvcc on PATH)' };
  }
  if (!nvcc) return { reason: 'no CUDA toolkit found (set CUDA_HOME or put nvcc on PATH)' };
  // nvcc may be a wrapper script (as /usr/local/bin/nvcc is here): ask the real one where it lives.
  const real = realpathSync(nvcc);
  const candidates = [dirname(dirname(real)), '/usr/local/cuda'];
  try {
    const wrapped = execFileSync('sh', ['-c', `grep -o '/[^ "]*/bin/nvcc' "${real}" | head -1`], { encoding: 'utf8' }).trim();
    if (wrapped) candidates.unshift(dirname(dirname(wrapped)));
  } catch {
    /* not a script */
  }
  for (const home of candidates) {
    if (existsSync(join(home, 'include', 'cuda_runtime.h')) && existsSync(join(home, 'bin', 'nvcc'))) return { home };
  }
  return { reason: `found ${nvcc} but no CUDA include/cuda_runtime.h beside it (set CUDA_HOME)` };
}

function findLibDir(home) {
  for (const dir of ['lib64', 'lib', 'targets/x86_64-linux/lib', 'targets/sbsa-linux/lib']) {
    if (existsSync(join(home, dir, 'libcudart_static.a'))) return join(home, dir);
  }
  return undefined;
}

const found = findCudaHome();
if (!found.home) {
  console.log(`@cria/kernels-cuda: not building the CUDA addon: ${found.reason}`);
  process.exit(0);
}
const libDir = findLibDir(found.home);
if (!libDir) {
  console.log(`@cria/kernels-cuda: not building the CUDA addon: no libcudart_static.a under ${found.home}`);
  process.exit(0);
}
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const nodedir = process.env.CRIA_NODEDIR ?? '/usr';
console.log(`@cria/kernels-cuda: building the CUDA addon with ${found.home} (libraries: ${libDir}, node headers: ${nodedir})`);
const env = { ...process.env, CRIA_CUDA_HOME: found.home, CRIA_CUDA_LIBDIR: libDir, PATH: `${join(found.home, 'bin')}:${process.env.PATH}` };
const gyp = (...args) => spawnSync(process.execPath, [nodeGyp, ...args], { cwd: packageDir, stdio: 'inherit', env });

// Builds of this package may start concurrently (turbo in several shells): take a lock so two node-gyp runs
// never share build/. Incremental: `configure` + `build` recompiles only what changed.
const lock = join(packageDir, 'build-addon.lock');
const ownerFile = join(lock, 'pid');
const holderAlive = () => {
  const pid = Number(readFileSync(ownerFile, { encoding: 'utf8', flag: 'r' }).trim() || NaN);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};
const waitStart = Date.now();
for (;;) {
  try {
    mkdirSync(lock);
    writeFileSync(ownerFile, String(process.pid));
    break;
  } catch {
    // A lock whose build was killed (no pid yet written, or a dead pid) is taken over at once.
    let alive;
    try {
      alive = holderAlive();
    } catch {
      alive = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 10_000; // pid not written yet
    }
    if (!alive) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - waitStart > 30 * 60_000) {
      console.error(`@cria/kernels-cuda: ${lock} is held by another build; remove it if no build is running`);
      process.exit(1);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}
let status;
try {
  status = gyp('configure', `--nodedir=${nodedir}`).status;
  if (status === 0) status = gyp('build', `--jobs=${process.env.CRIA_BUILD_JOBS ?? 2}`).status;
} finally {
  rmSync(lock, { recursive: true, force: true });
}
if (status !== 0) {
  // A toolkit is here, so a failure is a real compile error: fail the build.
  console.error('@cria/kernels-cuda: node-gyp failed building the CUDA addon');
  process.exit(status ?? 1);
}
