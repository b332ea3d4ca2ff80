// What the addon build needs, found without side effects: the CUDA toolkit, node-gyp, the Node headers, and
// whether this run should build at all. Every function takes its environment as arguments (env, search
// directories, a resolver), so the rules can be tested with temporary directories and fake environments.
// Used by scripts/build-addon.mjs; typed by find-toolchain.d.mts.
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, sep } from 'node:path';

/** Where a toolkit keeps libcudart_static.a, relative to its home (NVIDIA installers, then Debian's layout). */
export const CUDA_LIB_DIRS = ['lib64', 'lib', 'targets/x86_64-linux/lib', 'targets/sbsa-linux/lib', 'lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu'];

/** Where NVIDIA's installers put the toolkit; named in the reason when nvcc is not on PATH. */
export const STANDARD_CUDA_HOMES = ['/usr/local/cuda'];

/** Node headers of a system package (Debian's libnode-dev / nodejs puts them under /usr/include/node). */
export const SYSTEM_NODEDIRS = ['/usr'];

const isFile = (path) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

function isExecutableFile(path) {
  if (!isFile(path)) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the PATH string, or undefined. */
export function findOnPath(name, pathValue) {
  for (const dir of (pathValue ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

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

/** Resolves node-gyp's CLI script from this package (its devDependency in the workspace; hoisted elsewhere). */
export function resolveOwnNodeGyp() {
  return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
}

/**
 * Finds node-gyp: this package's own dependency if it resolves, else the one npm and pnpm hand to lifecycle
 * scripts in $npm_config_node_gyp, else `node-gyp` on PATH. Returns `{ ok: true, command, args, source }`
 * (spawn `command` with `args` followed by node-gyp's own arguments) or `{ ok: false, reason }`.
 * @param {{ env?: Record<string, string | undefined>, resolveOwn?: () => string, execPath?: string }} [options]
 */
export function findNodeGyp({ env = process.env, resolveOwn = resolveOwnNodeGyp, execPath = process.execPath } = {}) {
  let own;
  try {
    own = resolveOwn();
  } catch {
    own = undefined;
  }
  if (own && isFile(own)) return { ok: true, command: execPath, args: [own], source: `dependency (${own})` };
  const fromManager = env.npm_config_node_gyp;
  if (fromManager && isFile(fromManager)) {
    // npm and pnpm point at node-gyp's JavaScript entry (bin/node-gyp.js): run it with this node.
    const isScript = /\.[cm]?js$/.test(fromManager);
    return { ok: true, command: isScript ? execPath : fromManager, args: isScript ? [fromManager] : [], source: `npm_config_node_gyp (${fromManager})` };
  }
  const onPath = findOnPath('node-gyp', env.PATH);
  if (onPath) return { ok: true, command: onPath, args: [], source: `PATH (${onPath})` };
  const named = fromManager ? `npm_config_node_gyp=${fromManager} is not a file, ` : '';
  return {
    ok: false,
    reason: `node-gyp not found: ${named}node-gyp does not resolve from this package and is not on PATH ` +
      '(npm and pnpm set npm_config_node_gyp for install scripts; or `npm i -g node-gyp`)',
  };
}

const hasNodeHeaders = (dir) => isFile(join(dir, 'include', 'node', 'node_api.h'));

/**
 * Chooses Node headers that need no network: $CRIA_NODEDIR, else $npm_config_nodedir (npm's `nodedir`
 * setting), else the running node's own prefix (official tarballs ship <prefix>/include/node), else a system
 * directory (/usr) that has include/node/node_api.h. Returns `{ ok: true, nodedir, source }`,
 * `{ ok: true, nodedir: undefined, note }` (node-gyp will download headers), or `{ ok: false, reason }` when a
 * directory named by a variable has no headers.
 * @param {{ env?: Record<string, string | undefined>, execPath?: string, systemDirs?: string[] }} [options]
 */
export function chooseNodedir({ env = process.env, execPath = process.execPath, systemDirs = SYSTEM_NODEDIRS } = {}) {
  for (const variable of ['CRIA_NODEDIR', 'npm_config_nodedir']) {
    const dir = env[variable];
    if (!dir) continue;
    if (!hasNodeHeaders(dir)) return { ok: false, reason: `${variable}=${dir} has no include/node/node_api.h (expected a Node install prefix or headers tarball)` };
    return { ok: true, nodedir: dir, source: variable };
  }
  const prefix = dirname(dirname(execPath));
  if (hasNodeHeaders(prefix)) return { ok: true, nodedir: prefix, source: `the prefix of ${execPath}` };
  const system = systemDirs.find(hasNodeHeaders);
  if (system) return { ok: true, nodedir: system, source: `${system}/include/node` };
  return {
    ok: true,
    nodedir: undefined,
    note: `no local Node headers (${prefix}/include/node or ${systemDirs.map((dir) => `${dir}/include/node`).join(', ')}; ` +
      'CRIA_NODEDIR names another): node-gyp will download them',
  };
}

const TRUTHY = /^(1|true|yes)$/i;

/**
 * Whether this run should build. Returns `{ build: true }` or `{ build: false, reason }`:
 * - CRIA_CUDA_SKIP_BUILD=1 skips always;
 * - as an `install` lifecycle script in a source checkout (the package is not inside node_modules), it
 *   skips: the workspace's `pnpm build` builds the addon, so `pnpm install` stays quick and never compiles
 *   native code that is being edited.
 * @param {{ packageDir: string, env?: Record<string, string | undefined> }} options
 */
export function buildDecision({ packageDir, env = process.env }) {
  if (TRUTHY.test(env.CRIA_CUDA_SKIP_BUILD ?? '')) return { build: false, reason: `CRIA_CUDA_SKIP_BUILD=${env.CRIA_CUDA_SKIP_BUILD}` };
  const installed = packageDir.split(sep).includes('node_modules');
  if (env.npm_lifecycle_event === 'install' && !installed) {
    return { build: false, reason: `${packageDir} is a source checkout: its \`build\` script builds the addon (pnpm build)` };
  }
  return { build: true };
}
