// The install-time build of the addon (scripts/find-toolchain.mjs, scripts/build-addon.mjs): CUDA toolkit discovery
// over temporary directories and fake environments, then the script itself on the paths that must not compile
// (node-gyp, headers, skipping and the build lock are @cria/native-build's, tested there).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryTree } from '@cria/native-build/testing';
import { findCudaToolkit } from '../scripts/find-toolchain.mjs';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const tree = temporaryTree('cria-install-test-');
const { root, freshDir, writeFile } = tree;
afterAll(() => tree.remove());

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
