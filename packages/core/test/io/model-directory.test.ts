import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArgumentError, FileFormatError, MissingFileError, type ModelDirectory, filesDirectory, nodeDirectory, openSafetensors, toModelDirectory, urlDirectory } from '../../src/index.js';
import { fixture } from '../../src/testing.js';
import { serveFolder } from '../static-server.js';
import { tempDir } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A folder with a config, a broken JSON file and a nested file. */
async function sampleFolder(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  await writeFile(join(dir, 'config.json'), '{"hidden_size": 64, "name": "tïny"}');
  await writeFile(join(dir, 'broken.json'), '{"hidden_size": ');
  await mkdir(join(dir, 'original'));
  await writeFile(join(dir, 'original', 'params.json'), '{"dim": 8}');
  return dir;
}

/** The checks every directory must pass over sampleFolder(). */
async function checkDirectory(directory: ModelDirectory, name: string) {
  expect(directory.name).toBe(name);
  expect(await directory.exists('config.json')).toBe(true);
  expect(await directory.exists('original/params.json')).toBe(true);
  expect(await directory.exists('nope.json')).toBe(false);
  expect(await directory.readJson('config.json')).toEqual({ hidden_size: 64, name: 'tïny' });
  expect(await directory.readText('original/params.json')).toBe('{"dim": 8}');
  const source = await directory.open('config.json');
  expect(new TextDecoder().decode(await source.read(1, 14))).toBe('"hidden_size":');
  await source.close();

  const missing = await directory.open('nope.json').then(() => undefined, (e: unknown) => e);
  expect(missing).toBeInstanceOf(MissingFileError);
  expect((missing as MissingFileError).message).toMatch(/nope\.json: no such file in /);
  expect((missing as MissingFileError).message).toContain(name);
  await expect(directory.readJson('nope.json')).rejects.toThrow(MissingFileError);

  const broken = await directory.readJson('broken.json').then(() => undefined, (e: unknown) => e);
  expect(broken).toBeInstanceOf(FileFormatError);
  expect((broken as FileFormatError).file).toMatch(/broken\.json$/);
  expect((broken as FileFormatError).message).toMatch(/broken\.json: not valid JSON/);

  for (const bad of ['../secret', '/etc/passwd', 'a/../../b', '', 'C:\\x']) {
    await expect(directory.open(bad)).rejects.toThrow(ArgumentError);
  }
}

describe('model directories', () => {
  it('nodeDirectory reads a folder on disk', async () => {
    const dir = await sampleFolder();
    await checkDirectory(nodeDirectory(dir), dir);
    await checkDirectory(toModelDirectory(dir), dir);
  });

  it('filesDirectory reads a browser folder pick (webkitRelativePath)', async () => {
    const dir = await sampleFolder();
    const file = async (relative: string) => {
      const f = new File([await readFile(join(dir, relative))], relative.split('/').pop()!);
      Object.defineProperty(f, 'webkitRelativePath', { value: `my-model/${relative}` });
      return f;
    };
    const files = await Promise.all(['config.json', 'broken.json', 'original/params.json'].map(file));
    await checkDirectory(filesDirectory(files), 'my-model');
    // Without relative paths files go by name.
    const flat = filesDirectory([new File(['{"a":1}'], 'config.json')], 'dropped');
    expect(await flat.readJson('config.json')).toEqual({ a: 1 });
    expect(() => filesDirectory([new File(['1'], 'a.json'), new File(['2'], 'a.json')])).toThrow(/two files are named 'a\.json'/);
  });

  it('urlDirectory reads over HTTP', async () => {
    const dir = await sampleFolder();
    const server = await serveFolder(dir);
    cleanups.push(server.close);
    await checkDirectory(urlDirectory(server.url), server.url);
    await checkDirectory(toModelDirectory(server.url), server.url);
  });

  it('toModelDirectory passes a ModelDirectory through and refuses other values', () => {
    const directory = nodeDirectory('/tmp');
    expect(toModelDirectory(directory)).toBe(directory);
    expect(() => toModelDirectory(42 as unknown as string)).toThrow(ArgumentError);
  });
});

describe('openSafetensors over every kind of directory', () => {
  const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');

  async function checkSharded(path: Parameters<typeof openSafetensors>[0]) {
    const checkpoint = await openSafetensors(path);
    expect(checkpoint.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const info = checkpoint.info('model.norm.weight');
    const shard = await readFile(join(dir, info.file));
    const tensor = await checkpoint.get('model.norm.weight');
    const data = await tensor.toArray();
    expect(Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(shard.subarray(info.byteOffset, info.byteOffset + info.byteLength))).toBe(true);
    await checkpoint.close();
  }

  it('over HTTP: the folder URL, the index URL and a shard URL', async () => {
    const server = await serveFolder(dir);
    cleanups.push(server.close);
    await checkSharded(server.url);
    await checkSharded(`${server.url}model.safetensors.index.json`);
    const single = await openSafetensors(`${server.url}model-00002-of-00002.safetensors`);
    expect(single.keys()).toContain('model.norm.weight');
    await single.close();
    // Only ranges were fetched from the shards (never a whole-file GET).
    expect(server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('.safetensors') && r.range === undefined)).toEqual([]);
  });

  it('over a browser File list', async () => {
    const names = ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const files = await Promise.all(
      names.map(async (n) => {
        const f = new File([await readFile(join(dir, n))], n);
        Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${n}` });
        return f;
      }),
    );
    await checkSharded(filesDirectory(files));
  });

  it('a folder without safetensors files names the folder', async () => {
    const empty = await sampleFolder();
    await expect(openSafetensors(empty)).rejects.toThrow(MissingFileError);
    await expect(openSafetensors(empty)).rejects.toThrow(new RegExp(`model\\.safetensors: no such file in ${empty}`));
    await expect(openSafetensors(join(empty, 'nothing.safetensors'))).rejects.toThrow(MissingFileError);
  });
});
