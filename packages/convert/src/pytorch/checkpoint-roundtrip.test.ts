import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostData } from '@cria/core';
import { bytesSource } from '@cria/core';
import { ZipWriter } from '../zip/zip-writer.js';
import { PickleBuilder } from '../pickle/pickle-builder.js';
import { openPytorchCheckpoint } from './checkpoint.js';
import { createPytorchCheckpointWriter } from './checkpoint-writer.js';
import { encodeTorchSavePickle, type TorchSaveTensor } from './torch-save-pickle.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-pt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f32bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

/** Writes an archive with one float32 storage (0, 1, 2, ... n-1) and the given views of it. */
async function writeViews(name: string, numel: number, views: Omit<TorchSaveTensor, 'storageKey' | 'dtype' | 'storageNumel'>[], storageBytes?: Uint8Array) {
  const path = join(dir, name);
  const zip = await ZipWriter.create(path);
  const tensors = views.map((v) => ({ ...v, storageKey: '0', dtype: 'float32' as const, storageNumel: numel }));
  await zip.addEntry('m/data.pkl', encodeTorchSavePickle(tensors));
  await zip.addEntry('m/data/0', storageBytes ?? f32bytes(Array.from({ length: numel }, (_, i) => i)));
  await zip.close();
  return path;
}

describe('PyTorch checkpoint writer and reader', () => {
  it('round-trips contiguous tensors of several dtypes (plain and ZIP64 archives)', async () => {
    for (const forceZip64 of [false, true]) {
      const path = join(dir, `rt-${forceZip64}.pth`);
      const w = await createPytorchCheckpointWriter(path, [
        { name: 'a', dtype: 'float32', shape: [2, 3] },
        { name: 'b', dtype: 'bfloat16', shape: [4] },
        { name: 'c', dtype: 'int64', shape: [] },
      ], { forceZip64 });
      await w.write('b', new Uint8Array(new Uint16Array([0x3f80, 0x4000, 0xc040, 0x0000]).buffer));
      await w.write('a', f32bytes([1, 2, 3, 4, 5, 6]));
      await w.write('c', new Uint8Array(new BigInt64Array([-5n]).buffer));
      await w.close();
      const ckpt = await openPytorchCheckpoint(path);
      expect(ckpt.keys()).toEqual(['a', 'b', 'c']);
      expect(Array.from(hostData(await ckpt.get('a')) as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
      await expect((await ckpt.get('b')).toFloat32()).resolves.toEqual(new Float32Array([1, 2, -3, 0]));
      expect(Array.from(hostData(await ckpt.get('c')) as BigInt64Array)).toEqual([-5n]);
      expect(ckpt.info('a')).toMatchObject({ dtype: 'float32', shape: [2, 3], stride: [3, 1], contiguous: true, byteLength: 24 });
      await ckpt.close();
    }
  });

  it('reads strided views (transposed, offset, sliced) equal to a naive gather', async () => {
    // storage 0..23; views computed by hand from the definition element(i,j) = offset + i*s0 + j*s1
    const path = await writeViews('views.pth', 24, [
      { name: 'transposed', storageOffset: 0, shape: [4, 6], stride: [1, 4] },
      { name: 'offset', storageOffset: 5, shape: [2, 3], stride: [3, 1] },
      { name: 'columns', storageOffset: 1, shape: [3, 2], stride: [6, 2] },
      { name: 'broadcast', storageOffset: 2, shape: [3, 2], stride: [0, 1] },
    ]);
    const ckpt = await openPytorchCheckpoint(path);
    const naive = (offset: number, shape: number[], stride: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < shape[0]!; i++) for (let j = 0; j < shape[1]!; j++) out.push(offset + i * stride[0]! + j * stride[1]!);
      return out;
    };
    expect(Array.from(hostData(await ckpt.get('transposed')) as Float32Array)).toEqual(naive(0, [4, 6], [1, 4]));
    expect(Array.from(hostData(await ckpt.get('offset')) as Float32Array)).toEqual(naive(5, [2, 3], [3, 1]));
    expect(Array.from(hostData(await ckpt.get('columns')) as Float32Array)).toEqual(naive(1, [3, 2], [6, 2]));
    expect(Array.from(hostData(await ckpt.get('broadcast')) as Float32Array)).toEqual(naive(2, [3, 2], [0, 1]));
    expect(ckpt.info('transposed').contiguous).toBe(false);
    await ckpt.close();
  });

  it('refuses a tensor that reaches past its storage, and a storage smaller than declared', async () => {
    const past = await writeViews('past.pth', 24, [{ name: 'w', storageOffset: 20, shape: [2, 3], stride: [3, 1] }]);
    await expect(openPytorchCheckpoint(past)).rejects.toThrow(/past\.pth: tensor 'w' \[2, 3\] with stride \(3, 1\) at offset 20 reaches element 26, past its storage of 24/);
    const small = await writeViews('small.pth', 24, [{ name: 'w', storageOffset: 0, shape: [24], stride: [1] }], f32bytes([1, 2, 3]));
    await expect(openPytorchCheckpoint(small)).rejects.toThrow(/small\.pth: storage m\/data\/0 has 12 bytes; the pickle declares 24 float32 elements/);
  });

  it('refuses archives without data.pkl, with a missing storage, or with a hostile pickle', async () => {
    const noPickle = join(dir, 'nopickle.pth');
    const z = await ZipWriter.create(noPickle);
    await z.addEntry('m/data/0', new Uint8Array(4));
    await z.close();
    await expect(openPytorchCheckpoint(noPickle)).rejects.toThrow(/nopickle\.pth: zip archive has no <name>\/data\.pkl/);

    const missing = join(dir, 'missing.pth');
    const z2 = await ZipWriter.create(missing);
    await z2.addEntry('m/data.pkl', encodeTorchSavePickle([{ name: 'w', storageKey: '7', dtype: 'float32', storageNumel: 1, storageOffset: 0, shape: [1], stride: [1] }]));
    await z2.close();
    await expect(openPytorchCheckpoint(missing)).rejects.toThrow(/tensor 'w' uses storage '7', but the checkpoint has no m\/data\/7/);

    const evil = join(dir, 'evil.pth');
    const z3 = await ZipWriter.create(evil);
    await z3.addEntry('m/data.pkl', new PickleBuilder().proto(2).global('os', 'system').string('ls').tupleN(1).reduce().stop().bytes());
    await z3.close();
    await expect(openPytorchCheckpoint(evil)).rejects.toThrow(/evil\.pth:m\/data\.pkl: pickle refers to the global 'os\.system'/);
  });

  it('refuses a truncated checkpoint wherever it is cut', async () => {
    const path = join(dir, 'whole.pth');
    const w = await createPytorchCheckpointWriter(path, [{ name: 'a', dtype: 'float32', shape: [64] }]);
    await w.write('a', f32bytes(Array.from({ length: 64 }, (_, i) => i)));
    await w.close();
    const bytes = new Uint8Array(readFileSync(path));
    for (const keep of [bytes.length - 1, bytes.length - 30, bytes.length - 200, 300, 40]) {
      await expect(openPytorchCheckpoint(bytesSource(bytes.slice(0, keep), `cut${keep}.pth`))).rejects.toThrow(new RegExp(`cut${keep}\\.pth`));
    }
  });
});
