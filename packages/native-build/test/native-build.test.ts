// The install-time build rules (src/index.mjs): node-gyp discovery, the choice of Node headers, when to skip, and the
// build lock, over temporary directories and fake environments.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryTree } from '../src/testing.mjs';
import { buildDecision, chooseNodedir, findNodeGyp, findOnPath, resolveOwnNodeGyp, withBuildLock } from '../src/index.mjs';

const tree = temporaryTree('cria-native-build-test-');
const { root, freshDir, writeFile } = tree;
afterAll(() => tree.remove());

describe('findOnPath', () => {
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
  const skipVariable = 'CRIA_CUDA_SKIP_BUILD';

  it('builds when installed as a dependency and in a checkout’s build', () => {
    expect(buildDecision({ packageDir: installed, skipVariable, env: { npm_lifecycle_event: 'install' } })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, skipVariable, env: { npm_lifecycle_event: 'build' } })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, skipVariable, env: {} })).toEqual({ build: true });
    expect(buildDecision({ packageDir: checkout, skipVariable, env: { CRIA_CUDA_SKIP_BUILD: '0' } })).toEqual({ build: true });
  });

  it('skips the install script in a source checkout (pnpm build builds it there)', () => {
    const decision = buildDecision({ packageDir: checkout, skipVariable, env: { npm_lifecycle_event: 'install' } });
    expect(decision).toEqual({ build: false, reason: `${checkout} is a source checkout: its \`build\` script builds the addon (pnpm build)` });
  });

  it('skips everywhere with CRIA_CUDA_SKIP_BUILD=1', () => {
    for (const value of ['1', 'true', 'YES']) {
      expect(buildDecision({ packageDir: installed, skipVariable, env: { CRIA_CUDA_SKIP_BUILD: value } })).toEqual({ build: false, reason: `CRIA_CUDA_SKIP_BUILD=${value}` });
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
