// The legacy (non-zip) torch.save format, written here byte by byte as torch's _legacy_save lays it out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, hostData } from '@cria/core';
import { PickleBuilder } from '../pickle/pickle-builder.js';
import { openPytorchCheckpoint } from './checkpoint.js';
import { encodeTorchSavePickle, type TorchSaveTensor } from './torch-save-pickle.js';

const MAGIC = 0x1950a86a20f9469cfc6cn;

function legacyFile(tensors: TorchSaveTensor[], storages: Record<string, Float32Array>, options: { main?: Uint8Array; magic?: bigint; littleEndian?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  parts.push(new PickleBuilder().proto(2).long(options.magic ?? MAGIC).stop().bytes());
  parts.push(new PickleBuilder().proto(2).int(1001).stop().bytes());
  const sys = new PickleBuilder().proto(2).emptyDict().mark();
  sys.string('protocol_version').int(1001).string('little_endian').bool(options.littleEndian ?? true);
  sys.string('type_sizes').emptyDict().mark().string('short').int(2).string('int').int(4).string('long').int(4).setItems();
  parts.push(sys.setItems().stop().bytes());
  parts.push(options.main ?? encodeTorchSavePickle(tensors, { legacy: true }));
  const keys = Object.keys(storages).sort();
  const list = new PickleBuilder().proto(2).emptyList().mark();
  for (const k of keys) list.string(k);
  parts.push(list.appends().stop().bytes());
  for (const k of keys) {
    const size = new Uint8Array(8);
    new DataView(size.buffer).setBigUint64(0, BigInt(storages[k]!.length), true);
    parts.push(size, new Uint8Array(storages[k]!.buffer));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const tensors: TorchSaveTensor[] = [
  { name: 'a', storageKey: '140001', dtype: 'float32', storageNumel: 6, storageOffset: 0, shape: [2, 3], stride: [3, 1] },
  { name: 'aT', storageKey: '140001', dtype: 'float32', storageNumel: 6, storageOffset: 0, shape: [3, 2], stride: [1, 3] },
  { name: 'b', storageKey: '139999', dtype: 'float32', storageNumel: 4, storageOffset: 1, shape: [3], stride: [1] },
];
const storages = { '140001': Float32Array.of(1, 2, 3, 4, 5, 6), '139999': Float32Array.of(10, 20, 30, 40) };

describe('legacy torch.save format', () => {
  it('reads tensors, shared storages and strided views', async () => {
    const ckpt = await openPytorchCheckpoint(bytesSource(legacyFile(tensors, storages), 'old.bin'));
    expect(ckpt.keys()).toEqual(['a', 'aT', 'b']);
    expect(Array.from(hostData(await ckpt.get('a')) as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(hostData(await ckpt.get('aT')) as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(hostData(await ckpt.get('b')) as Float32Array)).toEqual([20, 30, 40]);
    await ckpt.close();
    // by path too (the file reader fills buffers in place)
    const dir = mkdtempSync(join(tmpdir(), 'cria-legacy-'));
    writeFileSync(join(dir, 'old.bin'), legacyFile(tensors, storages));
    const byPath = await openPytorchCheckpoint(join(dir, 'old.bin'));
    expect(Array.from(new Float32Array((await byPath.getBytes('b')).buffer))).toEqual([20, 30, 40]);
    await byPath.close();
    rmSync(dir, { recursive: true });
  });

  it('reads pickles longer than the first read window', async () => {
    const many: TorchSaveTensor[] = Array.from({ length: 30000 }, (_, i) => ({ name: `w${i}.with.a.rather.long.name.to.make.the.pickle.large`, storageKey: '1', dtype: 'float32', storageNumel: 4, storageOffset: 0, shape: [4], stride: [1] }));
    const bytes = legacyFile(many, { '1': Float32Array.of(1, 2, 3, 4) });
    expect(bytes.byteLength).toBeGreaterThan(1 << 20);
    const ckpt = await openPytorchCheckpoint(bytesSource(bytes, 'big.bin'));
    expect(ckpt.keys()).toHaveLength(30000);
    expect(Array.from(hostData(await ckpt.get('w29999.with.a.rather.long.name.to.make.the.pickle.large')) as Float32Array)).toEqual([1, 2, 3, 4]);
    await ckpt.close();
  });

  it('refuses truncation, a wrong magic, big-endian files, storage views and hostile globals', async () => {
    const whole = legacyFile(tensors, storages);
    for (const keep of [whole.length - 1, whole.length - 20, 200, 20]) {
      await expect(openPytorchCheckpoint(bytesSource(whole.slice(0, keep), `cut${keep}.bin`))).rejects.toThrow(new RegExp(`cut${keep}\\.bin: .*truncated`));
    }
    await expect(openPytorchCheckpoint(bytesSource(legacyFile(tensors, storages, { magic: MAGIC + 1n }), 'magic.bin'))).rejects.toThrow(/magic\.bin: no zip end-of-central-directory record/);
    await expect(openPytorchCheckpoint(bytesSource(legacyFile(tensors, storages, { littleEndian: false }), 'be.bin'))).rejects.toThrow(/be\.bin: legacy checkpoint was not saved on a little-endian machine/);
    const view = new PickleBuilder().proto(2).mark().string('storage').global('torch', 'FloatStorage').string('1').string('cpu').int(4);
    view.mark().string('2').int(0).int(2).tuple().tuple().raw(0x51).stop();
    await expect(openPytorchCheckpoint(bytesSource(legacyFile(tensors, storages, { main: view.bytes() }), 'view.bin'))).rejects.toThrow(/view\.bin: storage '1' is a view of another storage/);
    const evil = new PickleBuilder().proto(2).global('posix', 'system').string('id').tupleN(1).reduce().stop().bytes();
    await expect(openPytorchCheckpoint(bytesSource(legacyFile(tensors, storages, { main: evil }), 'evil.bin'))).rejects.toThrow(/evil\.bin: pickle refers to the global 'posix\.system', which is not allowed/);
  });
});
