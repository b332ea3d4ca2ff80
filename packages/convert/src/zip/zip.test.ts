import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource } from '@cria/core';
import { crc32 } from './crc32.js';
import { ZipArchive } from './zip-reader.js';
import { ZipWriter } from './zip-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payloads: Record<string, Uint8Array> = {
  'a/data.pkl': new TextEncoder().encode('hello pickle'),
  'a/data/0': Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff),
  'a/data/1': new Uint8Array(0),
};

async function writeArchive(name: string, forceZip64 = false): Promise<Uint8Array> {
  const path = join(dir, name);
  const zip = await ZipWriter.create(path, { forceZip64 });
  for (const [entry, data] of Object.entries(payloads)) await zip.addEntry(entry, data);
  await zip.close();
  return new Uint8Array(readFileSync(path));
}

/** The offset of the central directory entry of `name` in an archive written by ZipWriter. */
function centralEntryOffset(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const target = new TextEncoder().encode(name);
  for (let i = 0; i + 46 < bytes.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const n = view.getUint16(i + 28, true);
    if (n === target.length && bytes.subarray(i + 46, i + 46 + n).every((b, k) => b === target[k])) return i;
  }
  throw new Error(`no central entry ${name}`);
}

describe('crc32', () => {
  it('matches the standard check value and continues across chunks', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    expect(crc32(text.subarray(5), crc32(text.subarray(0, 5)))).toBe(0xcbf43926);
  });

  it('agrees with zlib.crc32 on aligned and unaligned views (values from Python zlib)', () => {
    const b = new Uint8Array(100003);
    for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761) >>> 13;
    expect(crc32(b)).toBe(1931704014);
    expect(crc32(b.subarray(3))).toBe(3531100667);
    expect(crc32(b.subarray(5, 77))).toBe(2133976878);
  });
});

describe('zip reader', () => {
  for (const zip64 of [false, true]) {
    it(`reads back every stored entry by range (${zip64 ? 'ZIP64' : 'plain'} records)`, async () => {
      const bytes = await writeArchive(`ok-${zip64}.zip`, zip64);
      const archive = await ZipArchive.open(bytesSource(bytes, 'ok.zip'));
      expect(archive.names().sort()).toEqual(Object.keys(payloads).sort());
      for (const [name, data] of Object.entries(payloads)) {
        expect(archive.entry(name).size).toBe(data.byteLength);
        expect(archive.entry(name).crc32).toBe(crc32(data));
        expect(Buffer.from(await archive.read(name)).equals(Buffer.from(data))).toBe(true);
      }
      expect(Array.from(await archive.read('a/data/0', 10, 3))).toEqual([70, 77, 84]);
      // data is 64-byte aligned, as PyTorch lays it out
      expect((await archive.dataOffset(archive.entry('a/data/0'))) % 64).toBe(0);
      await expect(archive.read('a/data/0', 999, 2)).rejects.toThrow(/outside zip entry 'a\/data\/0'/);
      expect(() => archive.entry('missing')).toThrow(/no entry 'missing'/);
    });
  }

  it('refuses a compressed entry when it is read', async () => {
    const bytes = await writeArchive('deflate.zip');
    const at = centralEntryOffset(bytes, 'a/data/0');
    new DataView(bytes.buffer).setUint16(at + 10, 8, true); // method 8 = deflate
    new DataView(bytes.buffer).setUint32(at + 20, 10, true); // compressed size
    const archive = await ZipArchive.open(bytesSource(bytes, 'deflate.zip'));
    await expect(archive.read('a/data/0')).rejects.toThrow(/deflate\.zip: zip entry 'a\/data\/0' is compressed \(method 8\)/);
  });

  it('refuses an entry whose declared size reaches past the file (zip bomb by declared size)', async () => {
    const bytes = await writeArchive('bomb.zip');
    const at = centralEntryOffset(bytes, 'a/data/0');
    const view = new DataView(bytes.buffer);
    view.setUint32(at + 20, 0xfffffff0, true);
    view.setUint32(at + 24, 0xfffffff0, true);
    await expect(ZipArchive.open(bytesSource(bytes, 'bomb.zip'))).rejects.toThrow(/bomb\.zip: zip entry 'a\/data\/0' declares 4294967280 bytes .*past the end of the data area/);
  });

  it('refuses a ZIP64 size that reaches past the file', async () => {
    const bytes = await writeArchive('bomb64.zip', true);
    const at = centralEntryOffset(bytes, 'a/data/0');
    const view = new DataView(bytes.buffer);
    const extra = at + 46 + 'a/data/0'.length + 4;
    view.setBigUint64(extra, 1n << 40n, true);
    view.setBigUint64(extra + 8, 1n << 40n, true);
    await expect(ZipArchive.open(bytesSource(bytes, 'bomb64.zip'))).rejects.toThrow(/declares 1099511627776 bytes/);
  });

  it('refuses truncated archives at every cut', async () => {
    const bytes = await writeArchive('whole.zip');
    for (const keep of [0, 10, 100, bytes.length - 200, bytes.length - 23, bytes.length - 1]) {
      await expect(ZipArchive.open(bytesSource(bytes.slice(0, keep), `cut-${keep}.zip`))).rejects.toThrow(new RegExp(`cut-${keep}\\.zip: `));
    }
  });

  it('refuses a file that is not a zip, encrypted entries and duplicate names', async () => {
    await expect(ZipArchive.open(bytesSource(new Uint8Array(100).fill(7), 'junk.bin'))).rejects.toThrow(/junk\.bin: no zip end-of-central-directory record/);
    const enc = await writeArchive('enc.zip');
    const e = centralEntryOffset(enc, 'a/data.pkl');
    new DataView(enc.buffer).setUint16(e + 8, 0x0801, true);
    await expect(ZipArchive.open(bytesSource(enc, 'enc.zip'))).rejects.toThrow(/entry 'a\/data\.pkl' is encrypted/);
    const dup = await writeArchive('dup.zip');
    const d = centralEntryOffset(dup, 'a/data/1');
    dup[d + 46 + 'a/data/'.length] = '0'.charCodeAt(0);
    await expect(ZipArchive.open(bytesSource(dup, 'dup.zip'))).rejects.toThrow(/two entries named 'a\/data\/0'/);
  });
});
