// Every workspace package carries the metadata a registry page shows (license, repository, homepage,
// bugs, the Node versions CI proves) and every published one packs what a user needs: its LICENSE (the
// root's, unchanged) and no test data. The pack list is pnpm's own (`pnpm pack --dry-run --json`), the
// command the release runs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '@cria/core/testing';

const root = repositoryRoot();
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const license = readFileSync(join(root, 'LICENSE'), 'utf8');

interface PackageJson {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  engines?: { node?: string };
}

const folders = ['packages', 'apps', 'scripts', 'test', 'bench']
  .flatMap((group) => readdirSync(join(root, group), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${group}/${e.name}`))
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .sort();
const packages = folders.map((dir) => ({ dir, json: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson }));
const published = packages.filter((p) => !p.json.private);

/** What a test-data file looks like, whatever folder it sits in. */
const testData = /(^|\/)fixtures(\/|$)|\.(safetensors|pth|bin|gguf|f32)$|(^|\/)tokenizer\.(model|json)$|(^|\/)expected(\.json)?$/;

describe('package metadata', () => {
  it('finds the workspace packages (at least the nine published ones)', () => {
    expect(published.map((p) => p.json.name)).toEqual(
      expect.arrayContaining(['@cria/core', '@cria/config', '@cria/tokenizer', '@cria/models', '@cria/convert', '@cria/kernels-cpu', '@cria/kernels-webgpu', '@cria/kernels-cuda', 'cria']),
    );
  });

  it.each(packages.map((p) => [p.dir, p.json] as const))('%s names its license, repository folder, homepage, bugs and engines', (dir, json) => {
    expect(json.license).toBe('MIT');
    expect(json.repository?.type).toBe('git');
    expect(json.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(json.repository?.directory).toBe(dir);
    expect(json.homepage).toBe(`${json.repository!.url!.replace(/^git\+/, '').replace(/\.git$/, '')}/tree/main/${dir}#readme`);
    expect(json.bugs?.url).toMatch(/^https:\/\/.+\/issues$/);
    expect(json.engines?.node).toBe(rootPackage.engines.node);
  });
});

describe('what each published package packs', () => {
  it.each(published.map((p) => [p.json.name, p.dir] as const))('%s: LICENSE (the root one), README, no test data', (_name, dir) => {
    expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(license);
    const out = execFileSync('pnpm', ['pack', '--dry-run', '--json'], { cwd: join(root, dir), encoding: 'utf8' });
    const files = (JSON.parse(out) as { files: { path: string }[] }).files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files.filter((f) => testData.test(f))).toEqual([]);
  });

  it('the test-data pattern catches what the fixtures hold', () => {
    for (const path of ['fixtures/README.md', 'x/model.safetensors', 'meta/consolidated.00.pth', 'tokenizer.model', 'a/tokenizer.json', 'expected.json', 'runc_logits_256x512.f32']) {
      expect(testData.test(path), path).toBe(true);
    }
    for (const path of ['dist/index.js', 'dist/tokenizer.js', 'native/src/matvec.cu', 'README.md', 'LICENSE']) {
      expect(testData.test(path), path).toBe(false);
    }
  });
});
