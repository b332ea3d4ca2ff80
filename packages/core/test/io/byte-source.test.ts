import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArgumentError, type ByteSource, FileFormatError, blobSource, bytesSource, countingSource, fileSource, httpSource } from '../../src/index.js';
import { serveFolder } from '../static-server.js';
import { tempDir } from '../helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const content = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff);

/** The checks every source must pass over `content`. */
async function checkSource(source: ByteSource, name: string) {
  expect(source.name).toBe(name);
  expect(source.size).toBe(content.byteLength);
  expect(Array.from(await source.read(0, 10))).toEqual(Array.from(content.subarray(0, 10)));
  expect(Array.from(await source.read(123, 77))).toEqual(Array.from(content.subarray(123, 200)));
  expect(Array.from(await source.read(990, 10))).toEqual(Array.from(content.subarray(990)));
  expect((await source.read(500, 0)).byteLength).toBe(0);
  const whole = await source.read(0, 1000);
  expect(Buffer.from(whole).equals(Buffer.from(content))).toBe(true);
  await expect(source.read(995, 10)).rejects.toThrow(FileFormatError);
  await expect(source.read(995, 10)).rejects.toThrow(new RegExp(`cannot read 10 bytes at offset 995: the file has 1000 bytes`));
  await expect(source.read(-1, 1)).rejects.toThrow(ArgumentError);
  await expect(source.read(0, 1.5)).rejects.toThrow(ArgumentError);
  if (source.readInto) await checkReadInto(source);
  await source.close();
  await source.close();
}

/** `readInto` fills the caller's buffer (a view into a larger one, reused) with the same bytes as `read`. */
async function checkReadInto(source: ByteSource) {
  const backing = new Uint8Array(100).fill(0xee);
  const target = backing.subarray(10, 87);
  await source.readInto!(123, target);
  expect(Array.from(target)).toEqual(Array.from(content.subarray(123, 200)));
  expect(backing[9]).toBe(0xee);
  expect(backing[87]).toBe(0xee);
  await source.readInto!(990, target.subarray(0, 10));
  expect(Array.from(target.subarray(0, 10))).toEqual(Array.from(content.subarray(990)));
  await source.readInto!(500, new Uint8Array(0));
  await expect(source.readInto!(995, new Uint8Array(10))).rejects.toThrow(/cannot read 10 bytes at offset 995: the file has 1000 bytes/);
  await expect(source.readInto!(-1, new Uint8Array(1))).rejects.toThrow(ArgumentError);
  await expect(source.readInto!(0, [1, 2] as unknown as Uint8Array)).rejects.toThrow(/readInto target must be a Uint8Array/);
}

describe('byte sources', () => {
  it('fileSource reads ranges of a file on disk', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'data.bin');
    await writeFile(path, content);
    const source = await fileSource(path);
    expect(source.readInto).toBeTypeOf('function');
    await checkSource(source, path);
    await expect(fileSource(join(dir, 'missing.bin'))).rejects.toThrow(/ENOENT/);
    await expect(fileSource(dir)).rejects.toThrow(/is not a regular file/);
  });

  it('fileSource refuses reads after close()', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'a'), content);
    const source = await fileSource(join(dir, 'a'));
    await source.close();
    await expect(source.read(0, 1)).rejects.toThrow(/after close/);
    await expect(source.readInto!(0, new Uint8Array(1))).rejects.toThrow(/after close/);
  });

  it('fileSource reports a file that shrank while open', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'shrinking.bin');
    await writeFile(path, content);
    const source = await fileSource(path);
    await truncate(path, 100);
    await expect(source.read(50, 100)).rejects.toThrow(FileFormatError);
    await expect(source.read(50, 100)).rejects.toThrow(/file ended at byte 100 while reading 100 bytes at offset 50/);
    await expect(source.readInto!(50, new Uint8Array(100))).rejects.toThrow(/file ended at byte 100 while reading 100 bytes at offset 50/);
    await source.close();
  });

  it('bytesSource reads copies of memory', async () => {
    const copy = content.slice();
    const source = bytesSource(copy, 'mem');
    const first = await source.read(0, 4);
    first[0] = 99;
    expect(copy[0]).toBe(content[0]);
    expect(source.readInto).toBeTypeOf('function');
    await checkSource(source, 'mem');
  });

  it('blobSource reads a Blob or File by slices', async () => {
    await checkSource(blobSource(new Blob([content])), 'blob');
    await checkSource(blobSource(new File([content], 'weights.safetensors')), 'weights.safetensors');
    await checkSource(blobSource(new Blob([content]), 'named'), 'named');
  });

  it('httpSource reads with Range requests', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'data.bin'), content);
    const server = await serveFolder(dir);
    cleanups.push(server.close);
    const url = `${server.url}data.bin`;
    await checkSource(await httpSource(url), url);
    expect(server.requests.filter((r) => r.method === 'GET').every((r) => r.range !== undefined)).toBe(true);
    expect(server.requests).toContainEqual({ method: 'GET', path: '/data.bin', range: 'bytes=123-199' });
    await expect(httpSource(`${server.url}missing.bin`)).rejects.toThrow(/missing\.bin: not found \(HTTP 404\)/);
  });

  it('httpSource refuses a server that ignores Range', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'data.bin'), content);
    const server = await serveFolder(dir, { ignoreRanges: true });
    cleanups.push(server.close);
    const source = await httpSource(`${server.url}data.bin`);
    await expect(source.read(10, 10)).rejects.toThrow(/got HTTP 200 \(the server must answer Range requests with 206\)/);
    expect((await source.read(0, 1000)).byteLength).toBe(1000);
  });

  it('countingSource counts bytes and logs ranges', async () => {
    const source = countingSource(bytesSource(content, 'mem'));
    await source.read(10, 5);
    await source.read(100, 50);
    expect(source.bytesRead).toBe(55);
    expect(source.reads).toEqual([{ offset: 10, length: 5 }, { offset: 100, length: 50 }]);
    expect(source.size).toBe(1000);
    expect(source.name).toBe('mem');
    const target = new Uint8Array(20);
    await source.readInto!(200, target);
    expect(Array.from(target)).toEqual(Array.from(content.subarray(200, 220)));
    expect(source.bytesRead).toBe(75);
    expect(source.reads).toContainEqual({ offset: 200, length: 20 });
    expect(countingSource(blobSource(new Blob([content]))).readInto).toBeUndefined();
  });
});
