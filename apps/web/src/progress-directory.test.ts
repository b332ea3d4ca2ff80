import { filesDirectory } from '@cria/core';
import { expect, it } from 'vitest';
import { type LoadProgress, withProgress } from './progress-directory.js';

it('counts the bytes read from every opened file against their total size', async () => {
  const files = [new File([new Uint8Array(100)], 'a.safetensors'), new File([new Uint8Array(50)], 'b.safetensors'), new File(['{}'], 'config.json')];
  const seen: LoadProgress[] = [];
  const dir = withProgress(filesDirectory(files, 'model'), (p) => seen.push({ ...p }));
  expect(await dir.readJson('config.json')).toEqual({});
  const a = await dir.open('a.safetensors');
  await a.read(0, 60);
  const b = await dir.open('b.safetensors');
  await b.read(10, 40);
  await a.read(60, 40);
  expect(seen.at(-1)).toEqual({ file: 'a.safetensors', loaded: 140, total: 150 });
  expect(seen.map((p) => p.loaded)).toEqual([0, 60, 60, 100, 140]);
});
