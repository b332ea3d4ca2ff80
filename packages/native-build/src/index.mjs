// How cria's native addons build at install time, found without side effects and without the network: node-gyp,
// the Node headers, whether this run should build at all, and a lock so two builds never share build/. Plain
// JavaScript (an install script runs before anything is compiled); typed by index.d.mts. Every function takes its
// environment as arguments (env, search directories, a resolver), so the rules are tested with fakes.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, sep } from 'node:path';

/** Node headers of a system package (Debian's libnode-dev / nodejs puts them under /usr/include/node). */
export const SYSTEM_NODEDIRS = ['/usr'];

/** Whether `path` is a regular file. */
export const isFile = (path) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/** Whether `path` is a regular file this process may execute. */
export function isExecutableFile(path) {
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
 * - `skipVariable` (e.g. CRIA_CPU_SKIP_BUILD) set to 1/true/yes skips always;
 * - as an `install` lifecycle script in a source checkout (the package is not inside node_modules), it
 *   skips: the workspace's `pnpm build` builds the addon, so `pnpm install` stays quick and never compiles
 *   native code that is being edited.
 * @param {{ packageDir: string, skipVariable: string, env?: Record<string, string | undefined> }} options
 */
export function buildDecision({ packageDir, skipVariable, env = process.env }) {
  if (TRUTHY.test(env[skipVariable] ?? '')) return { build: false, reason: `${skipVariable}=${env[skipVariable]}` };
  const installed = packageDir.split(sep).includes('node_modules');
  if (env.npm_lifecycle_event === 'install' && !installed) {
    return { build: false, reason: `${packageDir} is a source checkout: its \`build\` script builds the addon (pnpm build)` };
  }
  return { build: true };
}

function holderAlive(ownerFile) {
  const pid = Number(readFileSync(ownerFile, { encoding: 'utf8', flag: 'r' }).trim() || NaN);
  if (!Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Takes `lockDir` (waiting for a live holder), runs `work`, and always releases it. Returns what `work` returns. */
export function withBuildLock(lockDir, work, { maxWaitMs = 30 * 60_000 } = {}) {
  const ownerFile = join(lockDir, 'pid');
  const waitStart = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch {
      // A lock whose build was killed (no pid yet written, or a dead pid) is taken over at once.
      let alive;
      try {
        alive = holderAlive(ownerFile);
      } catch {
        alive = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 10_000; // pid not written yet
      }
      if (!alive) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - waitStart > maxWaitMs) {
        throw new Error(`${lockDir} is held by another build; remove it if no build is running`);
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * `node-gyp configure` then `node-gyp build` in `packageDir` under its build lock (`<packageDir>/build-addon.lock`),
 * with the headers of `nodedir` (undefined: node-gyp's own choice). Returns node-gyp's exit status (0 when built).
 * @param {{ packageDir: string, nodeGyp: { command: string, args: string[] }, nodedir?: string, env?: Record<string, string | undefined>, jobs?: string | number }} options
 */
export function runNodeGyp({ packageDir, nodeGyp, nodedir, env = process.env, jobs = env.CRIA_BUILD_JOBS ?? 2 }) {
  const gyp = (...args) => spawnSync(nodeGyp.command, [...nodeGyp.args, ...args], { cwd: packageDir, stdio: 'inherit', env });
  return withBuildLock(join(packageDir, 'build-addon.lock'), () => {
    const configured = gyp('configure', ...(nodedir ? [`--nodedir=${nodedir}`] : []));
    if (configured.error) throw configured.error;
    if (configured.status !== 0) return configured.status ?? 1;
    const built = gyp('build', `--jobs=${jobs}`);
    if (built.error) throw built.error;
    return built.status ?? 1;
  });
}
