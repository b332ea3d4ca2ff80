import { expect, it } from 'vitest';
import { directoryFromFileList, directoryFromHandle, directoryFromUrl } from './model-source.js';

it('refuses an empty pick and a URL that is not http(s) or a path, naming what was expected', async () => {
  expect(() => directoryFromFileList([])).toThrow(/choose the folder that holds config.json/);
  expect(() => directoryFromUrl('ftp://example.com/model')).toThrow(/must start with http:\/\/, https:\/\/ or \//);
  const empty = { name: 'empty', values: async function* () {} };
  await expect(directoryFromHandle(empty)).rejects.toThrow(/the folder 'empty' holds no files/);
});

it('reads the files of a folder handle by name', async () => {
  const handle = {
    name: 'tiny',
    values: async function* () {
      yield { kind: 'file' as const, name: 'config.json', getFile: async () => new File(['{"a":1}'], 'config.json') };
      yield { kind: 'directory' as const, name: 'original' };
    },
  };
  const dir = await directoryFromHandle(handle);
  expect(dir.name).toBe('tiny');
  expect(await dir.readJson('config.json')).toEqual({ a: 1 });
  expect(await dir.exists('original/params.json')).toBe(false);
});
