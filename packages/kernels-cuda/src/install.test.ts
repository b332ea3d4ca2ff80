// The install-time build of the addon (scripts/find-toolchain.mjs, scripts/build-addon.mjs): toolkit discovery,
// node-gyp discovery, the choice of Node headers and when to skip, over temporary directories and fake
// environments; then the script itself on the paths that must not compile.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { withBuildLock } from '../scripts/build-lock.mjs';
import { buildDecision, chooseNodedir, findCudaToolkit, findNodeGyp, findOnPath, resolveOwnNodeGyp } from '../scripts/find-toolchain.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = mkdtempSync(join(tmpdir(), 'cria-install-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const freshDir = (name: string): string => {
  const dir = join(root, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

function writeFile(path: string, text: string, executable = false): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (executable) chmodSync(path, 0o755);
  return path;
}

interface ToolkitParts {
  nvcc?: boolean | 'not-executable';
  header?: boolean;
  libDir?: string | false;
}

/** A directory shaped like a CUDA toolkit, with the parts asked for. */
function fakeToolkit({ nvcc = true, header = true, libDir = 'lib64' }: ToolkitParts = {}): string {
  const home = freshDir('cuda');
  if (nvcc) writeFile(join(home, 'bin', 'nvcc'), '#!/bin/sh\necho fake nvcc\n', nvcc === true);
  if (header) writeFile(join(home, 'include', 'cuda_runtime.h'), '/* fake */\n');
  if (libDir) writeFile(join(home, libDir, 'libcudart_static.a'), '!<arch>\n');
  return home;
}

describe('findCudaToolkit with CUDA_HOME', () => {
  it('accepts a home with bin/nvcc, include/cuda_runtime.h and lib64/libcudart_static.a', () => {
    const home = fakeToolkit();
    const found = findCudaToolkit({ env: { CUDA_HOME: home }, standardHomes: [] });
    expect(found).toEqual({ ok: true, home, libDir: join(home, 'lib64'), nvcc: join(home, 'bin', 'nvcc'), source: 'CUDA_HOME' });
  });

  it('names each missing part', () => {
    const noNvcc = fakeToolkit({ nvcc: false });
    expect(findCudaToolkit({ env: { CUDA_HOME: noNvcc }, standardHomes: [] })).toEqual({
      ok: false,
      reason: `CUDA_HOME=${noNvcc} is not a usable CUDA toolkit: it has no bin/nvcc`,
    });
    const noHeader = fakeToolkit({ header: false });
    const headerReason = findCudaToolkit({ env: { CUDA_HOME: noHeader }, standardHomes: [] });
    expect(headerReason.ok).toBe(false);
    if (!headerReason.ok) expect(headerReason.reason).toBe(`CUDA_HOME=${noHeader} is not a usable CUDA toolkit: it has no include/cuda_runtime.h`);
    const noLib = fakeToolkit({ libDir: false });
    const libReason = findCudaToolkit({ env: { CUDA_HOME: noLib }, standardHomes: [] });
    expect(libReason.ok).toBe(false);
    if (!libReason.ok) expect(libReason.reason).toMatch(new RegExp(`^CUDA_HOME=${noLib} is not a usable CUDA toolkit: it has no libcudart_static\\.a \\(looked in lib64, `));
  });

  it('does not take an nvcc that cannot be executed', () => {
    const home = fakeToolkit({ nvcc: 'not-executable' });
    const found = findCudaToolkit({ env: { CUDA_HOME: home }, standardHomes: [] });
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.reason).toContain('it has no bin/nvcc');
  });

  it('says when CUDA_HOME does not exist, and ignores nvcc on PATH while CUDA_HOME is set', () => {
    const onPath = fakeToolkit();
    const missing = join(root, 'no-such-cuda');
    expect(findCudaToolkit({ env: { CUDA_HOME: missing, PATH: join(onPath, 'bin') }, standardHomes: [] })).toEqual({
      ok: false,
      reason: `CUDA_HOME=${missing} does not exist`,
    });
  });

  it('finds the library in the targets/ and Debian layouts, and reads CUDA_PATH when CUDA_HOME is unset', () => {
    const targets = fakeToolkit({ libDir: 'targets/x86_64-linux/lib' });
    const found = findCudaToolkit({ env: { CUDA_PATH: targets }, standardHomes: [] });
    expect(found).toMatchObject({ ok: true, home: targets, libDir: join(targets, 'targets/x86_64-linux/lib'), source: 'CUDA_PATH' });
    const debian = fakeToolkit({ libDir: 'lib/x86_64-linux-gnu' });
    expect(findCudaToolkit({ env: { CUDA_HOME: debian }, standardHomes: [] })).toMatchObject({ ok: true, libDir: join(debian, 'lib/x86_64-linux-gnu') });
  });
});

describe('findCudaToolkit from PATH', () => {
  it('takes the toolkit around the nvcc on PATH', () => {
    const home = fakeToolkit();
    const found = findCudaToolkit({ env: { PATH: `${freshDir('empty')}:${join(home, 'bin')}` }, standardHomes: [] });
    expect(found).toMatchObject({ ok: true, home, libDir: join(home, 'lib64'), source: `nvcc on PATH (${join(home, 'bin', 'nvcc')})` });
  });

  it('follows a wrapper script to the toolkit it executes', () => {
    const home = fakeToolkit();
    const wrapperDir = freshDir('wrapper');
    writeFile(join(wrapperDir, 'nvcc'), `#!/bin/sh\nexec ${join(home, 'bin', 'nvcc')} "$@"\n`, true);
    expect(findCudaToolkit({ env: { PATH: wrapperDir }, standardHomes: [] })).toMatchObject({ ok: true, home });
  });

  it('says so when nvcc on PATH has no headers or library beside it', () => {
    const partial = fakeToolkit({ header: false, libDir: false });
    const found = findCudaToolkit({ env: { PATH: join(partial, 'bin') }, standardHomes: [] });
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.reason).toMatch(/^found .*\/bin\/nvcc but no toolkit beside it with include\/cuda_runtime\.h, libcudart_static\.a .*\(set CUDA_HOME\)$/);
  });

  it('without CUDA_HOME or nvcc on PATH: no toolkit, naming a standard install it saw', () => {
    const empty = freshDir('empty');
    expect(findCudaToolkit({ env: { PATH: empty }, standardHomes: [] })).toEqual({
      ok: false,
      reason: 'no CUDA toolkit found: CUDA_HOME is unset and nvcc is not on PATH (set CUDA_HOME or put nvcc on PATH)',
    });
    expect(findCudaToolkit({ env: {}, standardHomes: [] }).ok).toBe(false);
    const installed = fakeToolkit();
    expect(findCudaToolkit({ env: { PATH: empty }, standardHomes: [join(root, 'absent'), installed] })).toEqual({
      ok: false,
      reason: `no CUDA toolkit found: CUDA_HOME is unset and nvcc is not on PATH (${installed} holds a toolkit: set CUDA_HOME=${installed})`,
    });
  });

  it('findOnPath skips empty entries, directories and files that are not executable', () => {
    const dir = freshDir('path');
    mkdirSync(join(dir, 'a', 'tool'), { recursive: true });
    writeFile(join(dir, 'b', 'tool'), 'x', false);
    const good = writeFile(join(dir, 'c', 'tool'), '#!/bin/sh\n', true);
    expect(findOnPath('tool', `::${join(dir, 'a')}:${join(dir, 'b')}:${join(dir, 'c')}`)).toBe(good);
    expect(findOnPath('tool', undefined)).toBeUndefined();
  });
});

describe('findNodeGyp', () => {
  const throwing = (): string => {
    throw new Error('Cannot find module node-gyp');
  };

  it('prefers the package’s own node-gyp, run with this node', () => {
    const own = writeFile(join(freshDir('own'), 'node-gyp.js'), '');
    const manager = writeFile(join(freshDir('npm'), 'node-gyp.js'), '');
    expect(findNodeGyp({ env: { npm_config_node_gyp: manager }, resolveOwn: () => own, execPath: '/x/node' })).toEqual({
      ok: true,
      command: '/x/node',
      args: [own],
      source: `dependency (${own})`,
    });
  });

  it('falls back to npm_config_node_gyp (what npm and pnpm pass to install scripts)', () => {
    const manager = writeFile(join(freshDir('npm'), 'bin', 'node-gyp.js'), '');
    expect(findNodeGyp({ env: { npm_config_node_gyp: manager, PATH: '' }, resolveOwn: throwing, execPath: '/x/node' })).toEqual({
      ok: true,
      command: '/x/node',
      args: [manager],
      source: `npm_config_node_gyp (${manager})`,
    });
    const ownVanished = join(root, 'vanished', 'node-gyp.js');
    expect(findNodeGyp({ env: { npm_config_node_gyp: manager }, resolveOwn: () => ownVanished, execPath: '/x/node' })).toMatchObject({ ok: true, args: [manager] });
    const executable = writeFile(join(freshDir('npm'), 'node-gyp'), '#!/bin/sh\n', true);
    expect(findNodeGyp({ env: { npm_config_node_gyp: executable }, resolveOwn: throwing })).toMatchObject({ ok: true, command: executable, args: [] });
  });

  it('then node-gyp on PATH, else a reason naming what it tried', () => {
    const binDir = freshDir('bin');
    const onPath = writeFile(join(binDir, 'node-gyp'), '#!/bin/sh\n', true);
    expect(findNodeGyp({ env: { PATH: binDir }, resolveOwn: throwing })).toEqual({ ok: true, command: onPath, args: [], source: `PATH (${onPath})` });
    const missing = join(root, 'missing-node-gyp.js');
    const none = findNodeGyp({ env: { npm_config_node_gyp: missing, PATH: freshDir('empty') }, resolveOwn: throwing });
    expect(none.ok).toBe(false);
    if (!none.ok) {
      expect(none.reason).toMatch(/^node-gyp not found: /);
      expect(none.reason).toContain(`npm_config_node_gyp=${missing} is not a file`);
    }
    const bare = findNodeGyp({ env: {}, resolveOwn: throwing });
    expect(bare.ok).toBe(false);
    if (!bare.ok) expect(bare.reason).not.toContain('npm_config_node_gyp=');
  });

  it('resolves the workspace’s node-gyp devDependency to its CLI script', () => {
    expect(resolveOwnNodeGyp()).toMatch(/node-gyp[/\\]bin[/\\]node-gyp\.js$/);
  });
});

describe('chooseNodedir', () => {
  const withHeaders = (): string => {
    const prefix = freshDir('node');
    writeFile(join(prefix, 'include', 'node', 'node_api.h'), '/* fake */\n');
    return prefix;
  };

  it('takes CRIA_NODEDIR first, then npm_config_nodedir, and refuses either without headers', () => {
    const cria = withHeaders();
    const npm = withHeaders();
    const prefix = withHeaders();
    const execPath = join(prefix, 'bin', 'node');
    expect(chooseNodedir({ env: { CRIA_NODEDIR: cria, npm_config_nodedir: npm }, execPath, systemDirs: [] })).toEqual({ ok: true, nodedir: cria, source: 'CRIA_NODEDIR' });
    expect(chooseNodedir({ env: { npm_config_nodedir: npm }, execPath, systemDirs: [] })).toEqual({ ok: true, nodedir: npm, source: 'npm_config_nodedir' });
    const bare = freshDir('bare');
    expect(chooseNodedir({ env: { CRIA_NODEDIR: bare }, execPath, systemDirs: [] })).toEqual({
      ok: false,
      reason: `CRIA_NODEDIR=${bare} has no include/node/node_api.h (expected a Node install prefix or headers tarball)`,
    });
    expect(chooseNodedir({ env: { npm_config_nodedir: bare }, execPath, systemDirs: [] })).toMatchObject({ ok: false });
  });

  it('then the running node’s own prefix (official tarballs ship include/node), then a system directory', () => {
    const prefix = withHeaders();
    const system = withHeaders();
    expect(chooseNodedir({ env: {}, execPath: join(prefix, 'bin', 'node'), systemDirs: [system] })).toEqual({
      ok: true,
      nodedir: prefix,
      source: `the prefix of ${join(prefix, 'bin', 'node')}`,
    });
    const headerless = freshDir('headerless');
    expect(chooseNodedir({ env: {}, execPath: join(headerless, 'bin', 'node'), systemDirs: [freshDir('empty'), system] })).toEqual({
      ok: true,
      nodedir: system,
      source: `${system}/include/node`,
    });
  });

  it('else leaves node-gyp to download the headers, and says so', () => {
    const headerless = freshDir('headerless');
    const chosen = chooseNodedir({ env: {}, execPath: join(headerless, 'bin', 'node'), systemDirs: [freshDir('empty')] });
    expect(chosen.ok && chosen.nodedir).toBe(undefined);
    expect('note' in chosen && chosen.note).toMatch(/^no local Node headers \(.*\): node-gyp will download them$/);
  });
});

describe('buildDecision', () => {
  const installed = '/app/node_modules/.pnpm/@cria+kernels-cuda@0.1.0/node_modules/@cria/kernels-cuda';
  const checkout = '/src/cria/packages/kernels-cuda';

  it('builds when installed as a dependency and in a checkout’s build', () => {
    expect(buildDecision({ packageDir: installed, env: { npm_lifecycle_event: 'install' } })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, env: { npm_lifecycle_event: 'build' } })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, env: {} })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, env: { CRIA_CUDA_SKIP_BUILD: '0' } })).toEqual({ build: true });
  });

  it('skips the install script in a source checkout (pnpm build builds it there)', () => {
    const decision = buildDecision({ packageDir: checkout, env: { npm_lifecycle_event: 'install' } });
    expect(decision).toEqual({ build: false, reason: `${checkout} is a source checkout: its \`build\` script builds the addon (pnpm build)` });
  });

  it('skips everywhere with CRIA_CUDA_SKIP_BUILD=1', () => {
    for (const value of ['1', 'true', 'YES']) {
      expect(buildDecision({ packageDir: installed, env: { CRIA_CUDA_SKIP_BUILD: value } })).toEqual({ build: false, reason: `CRIA_CUDA_SKIP_BUILD=${value}` });
    }
  });
});

describe('withBuildLock', () => {
  it('runs the work under the lock and releases it, also when the work throws', () => {
    const lock = join(freshDir('lock'), 'build-addon.lock');
    expect(withBuildLock(lock, () => (existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : 'no pid'))).toBe(String(process.pid));
    expect(existsSync(lock)).toBe(false);
    expect(() => withBuildLock(lock, () => {
      throw new Error('compile failed');
    })).toThrow('compile failed');
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose holder is dead, and gives up on a live one after the wait', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const stale = join(freshDir('lock'), 'build-addon.lock');
    writeFile(join(stale, 'pid'), dead.stdout);
    expect(withBuildLock(stale, () => 'built')).toBe('built');
    const held = join(freshDir('lock'), 'build-addon.lock');
    writeFile(join(held, 'pid'), String(process.pid));
    expect(() => withBuildLock(held, () => 'built', { maxWaitMs: 0 })).toThrow(`${held} is held by another build`);
    expect(existsSync(join(held, 'pid'))).toBe(true);
  });
});

describe('scripts/build-addon.mjs', () => {
  const script = join(packageDir, 'scripts', 'build-addon.mjs');
  /** Runs the script with exactly `env` (plus HOME), never inheriting a toolkit or a lifecycle event. */
  const run = (env: Record<string, string>) => {
    const result = spawnSync(process.execPath, [script], { cwd: packageDir, encoding: 'utf8', env: { HOME: root, ...env }, timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('without a toolkit: exits 0 with one line saying why', () => {
    const result = run({ PATH: freshDir('empty') });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^@cria\/kernels-cuda: not building the CUDA addon: no CUDA toolkit found: CUDA_HOME is unset and nvcc is not on PATH \(.*\)\n$/);
  });

  it('with CUDA_HOME pointing at no toolkit: exits 0 naming CUDA_HOME', () => {
    const home = fakeToolkit({ header: false });
    const result = run({ PATH: freshDir('empty'), CUDA_HOME: home });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`@cria/kernels-cuda: not building the CUDA addon: CUDA_HOME=${home} is not a usable CUDA toolkit: it has no include/cuda_runtime.h\n`);
  });

  it('with CRIA_CUDA_SKIP_BUILD=1, or as the install script of this checkout: exits 0 with one line', () => {
    const skipped = run({ PATH: freshDir('empty'), CUDA_HOME: fakeToolkit(), CRIA_CUDA_SKIP_BUILD: '1' });
    expect(skipped).toEqual({ status: 0, stdout: '@cria/kernels-cuda: not building the CUDA addon: CRIA_CUDA_SKIP_BUILD=1\n', stderr: '' });
    const install = run({ PATH: freshDir('empty'), CUDA_HOME: fakeToolkit(), npm_lifecycle_event: 'install' });
    expect(install.status).toBe(0);
    expect(install.stdout).toMatch(/^@cria\/kernels-cuda: not building the CUDA addon: .* is a source checkout: /);
  });

  it('with a toolkit but unusable Node headers: fails loudly, naming the variable and the way out', () => {
    const bare = freshDir('bare');
    const result = run({ PATH: freshDir('empty'), CUDA_HOME: fakeToolkit(), CRIA_NODEDIR: bare });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`cannot build the CUDA addon: CRIA_NODEDIR=${bare} has no include/node/node_api.h`);
    expect(result.stderr).toContain('set CRIA_CUDA_SKIP_BUILD=1 to install without the CUDA addon');
  });
});

describe('package.json packaging', () => {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    gypfile?: boolean;
    files: string[];
    dependencies: Record<string, string>;
  };

  it('builds the addon from its own install script, never through npm’s implicit node-gyp rebuild', () => {
    expect(manifest.scripts.install).toBe('node scripts/build-addon.mjs');
    expect(manifest.gypfile).toBe(false);
  });

  it('ships what the install needs (sources, binding.gyp, scripts, node-addon-api) and no addon built elsewhere', () => {
    for (const entry of ['native', 'binding.gyp', 'scripts', 'dist']) expect(manifest.files).toContain(entry);
    expect(manifest.files.filter((entry) => entry.startsWith('build'))).toEqual([]);
    expect(Object.keys(manifest.dependencies)).toContain('node-addon-api');
  });
});
