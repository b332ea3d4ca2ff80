// The fast cpu backend's frame (the kernels themselves are judged against the reference in test/parity): which build
// starts, its threads, where its tensors live, and the install-time build script's quiet paths.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, BackendUnavailableError, DisposedError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { NativeCpuBackend, createBackend, defaultThreads, physicalCores, probe } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the cpu backend', () => {
  it('is available here and starts the addon by default, on the threads asked for', async () => {
    expect(await probe()).toEqual({ available: true });
    const backend = await createBackend({ threads: 2 });
    try {
      expect(backend).toBeInstanceOf(NativeCpuBackend);
      expect(backend.name).toBe('cpu');
      expect(backend.runner.kind).toBe('addon');
      expect(backend.runner.threads).toBe(2);
      expect(backend.description).toMatch(/^addon (avx512|avx2|neon|scalar) × 2 threads$/);
    } finally {
      backend.dispose();
    }
    expect(() => backend.zeros([1], 'float32')).toThrow(DisposedError);
  });

  it('defaults to the physical cores', async () => {
    const backend = await createBackend();
    expect(backend.runner.threads).toBe(await defaultThreads());
    backend.dispose();
    expect(physicalCores('processor\t: 0\nphysical id\t: 0\ncore id\t: 0\n\nprocessor\t: 1\nphysical id\t: 0\ncore id\t: 0\n\nprocessor\t: 2\nphysical id\t: 0\ncore id\t: 1\n')).toBe(2);
    expect(physicalCores('processor\t: 0\n')).toBe(0);
  });

  it('refuses bad options by name', async () => {
    await expect(createBackend({ threads: 0 })).rejects.toThrow(ArgumentError);
    await expect(createBackend({ threads: 1.5 })).rejects.toThrow(/'threads' must be an integer in \[1, 1024\], got 1.5/);
    await expect(createBackend({ build: 'gpu' as never })).rejects.toThrow(/'build' must be auto, addon, wasm, got gpu/);
  });

  it('the addon adopts uploaded arrays; the wasm build copies them into its memory', async () => {
    const data = Float32Array.from([1, 2, 3]);
    const addon = await createBackend({ build: 'addon', threads: 1 });
    const wasm = await createBackend({ build: 'wasm', threads: 1 });
    try {
      expect(addon.upload(data, [3], 'float32').storage.handle).toBe(data);
      const copied = wasm.upload(data, [3], 'float32');
      expect(copied.storage.handle).not.toBe(data);
      expect(Array.from((await wasm.read(copied)) as Float32Array)).toEqual([1, 2, 3]);
      // Dtypes the kernels never read (int64, bool, ...) stay in plain host memory on both.
      expect(Array.from((await wasm.read(wasm.zeros([2], 'bool'))) as Uint8Array)).toEqual([0, 0]);
    } finally {
      addon.dispose();
      wasm.dispose();
    }
  });

  it('without the addon (CRIA_CPU_ADDON pointing at nothing), build addon says why; auto falls back to wasm', () => {
    const script = `
      import { createBackend, probe } from '@cria/kernels-cpu';
      const addon = await createBackend({ build: 'addon' }).then(() => 'started', (e) => e.constructor.name + ': ' + e.message);
      const auto = await createBackend({ threads: 1 });
      console.log(JSON.stringify({ addon, auto: auto.description, probe: await probe() }));
      auto.dispose();
    `;
    const run = spawnSync(process.execPath, ['--conditions=@cria/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageDir,
      encoding: 'utf8',
      env: { ...process.env, CRIA_CPU_ADDON: join(mkdtempSync(join(tmpdir(), 'cria-no-addon-')), 'missing.node') },
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as { addon: string; auto: string; probe: unknown };
    expect(out.addon).toMatch(/^BackendUnavailableError: no backend available for device 'cpu':\n\s+- cpu \(addon\): CPU addon not loadable from .*missing\.node/);
    expect(out.auto).toMatch(/^wasm wasm-simd128 × 1 thread$/);
    expect(out.probe).toEqual({ available: true });
    expect(BackendUnavailableError).toBeDefined();
  });
});

describe('scripts/build-addon.mjs', () => {
  const run = (env: Record<string, string>) => {
    const result = spawnSync(process.execPath, [join(packageDir, 'scripts', 'build-addon.mjs')], { cwd: packageDir, encoding: 'utf8', env: { HOME: tmpdir(), ...env }, timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('skips with one line: CRIA_CPU_SKIP_BUILD=1, an install in this checkout, no C++ compiler', () => {
    expect(run({ PATH: '/nonexistent', CRIA_CPU_SKIP_BUILD: '1' })).toEqual({
      status: 0,
      stdout: '@cria/kernels-cpu: not building the CPU addon (the WebAssembly build runs instead): CRIA_CPU_SKIP_BUILD=1\n',
      stderr: '',
    });
    expect(run({ PATH: '/nonexistent', npm_lifecycle_event: 'install' }).stdout).toMatch(/is a source checkout: its `build` script builds the addon/);
    expect(run({ PATH: mkdtempSync(join(tmpdir(), 'cria-empty-path-')) })).toEqual({
      status: 0,
      stdout: '@cria/kernels-cpu: not building the CPU addon (the WebAssembly build runs instead): no C++ compiler (c++, g++ or clang++ on PATH, or $CXX)\n',
      stderr: '',
    });
  });

  it('package.json builds the addon from its own install script and ships the sources and the wasm build', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { scripts: Record<string, string>; gypfile?: boolean; files: string[]; dependencies: Record<string, string> };
    expect(manifest.scripts.install).toBe('node scripts/build-addon.mjs');
    expect(manifest.gypfile).toBe(false);
    for (const entry of ['dist', 'dist-wasm', 'native', 'binding.gyp', 'scripts']) expect(manifest.files).toContain(entry);
    expect(manifest.files.filter((entry) => entry.startsWith('build'))).toEqual([]);
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['node-addon-api', '@cria/native-build']));
  });
});

describe('weights mapped from their files (the addon)', () => {
  it('maps an aligned range, reads it, and unmaps on dispose; refuses what it cannot map with null; the wasm build has no mapFile', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'cria-map-'));
    const path = join(dir, 'weights.bin');
    const bytes = new Uint8Array(4 + 6 * 4);
    new Float32Array(bytes.buffer, 4, 6).set([1, 2, 3, 4, 5, 6]);
    writeFileSync(path, bytes);
    const backend = await createBackend({ build: 'addon', threads: 1 });
    const wasm = await createBackend({ build: 'wasm', threads: 1 });
    try {
      expect(wasm.mapFile).toBeUndefined(); // the wasm build reads weights into its memory: it has no mapFile
      const mapFile = backend.mapFile!;
      const t = mapFile(path, 4, [2, 3], 'float32')!;
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from((await backend.read(t)) as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
      const y = backend.linear(backend.upload(Float32Array.from([1, 1, 1]), [1, 3], 'float32'), t);
      expect(Array.from((await backend.read(y)) as Float32Array)).toEqual([6, 15]);
      const view = t.storage.handle as Float32Array;
      t.dispose();
      expect(view.length).toBe(0); // unmapped now, not at GC: its views read as empty
      expect(mapFile(path, 2, [3], 'float32')).toBeNull(); // not 4-byte aligned
      expect(mapFile(path, 4, [2], 'int64')).toBeNull();
      expect(() => mapFile(path, 4, [100], 'float32')).toThrow(/is not inside/);
    } finally {
      backend.dispose();
      wasm.dispose();
    }
  });
});

describe('memoryLimit', () => {
  it('is the wasm memory (4 GiB) less what the runner keeps, and absent on the addon', async () => {
    const addon = await createBackend({ build: 'addon', threads: 1 });
    const wasm = await createBackend({ build: 'wasm', threads: 2 });
    try {
      expect(addon.memoryLimit).toBeUndefined();
      // Below the limit: the module's 1 MiB stack and data, control and scratch, one worker's 256 KiB stack.
      expect(wasm.memoryLimit).toBeLessThan(2 ** 32 - (1 << 20) - (256 << 10));
      expect(wasm.memoryLimit).toBeGreaterThan(2 ** 32 - (64 << 20));
    } finally {
      addon.dispose();
      wasm.dispose();
    }
  });
});
