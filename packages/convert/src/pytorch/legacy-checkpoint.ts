// The legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False): five
// pickles in a row — magic number, protocol version, sys_info, the state dict, the sorted storage
// keys — then each storage as an 8-byte element count and its raw bytes, in key order.
import { FileFormatError, type ByteSource } from '@cria/core';
import { unpickleAt } from '../pickle/unpickler.js';
import { PickleDict, PickleTruncatedError, type PickleValue } from '../pickle/values.js';
import { readRangeInto } from '../zip/read-into.js';
import { LazyCheckpoint, type StorageAccess } from './lazy-checkpoint.js';
import { TORCH_DTYPE_BYTES, TorchPicklePolicy } from './torch-policy.js';
import { MAX_PICKLE_BYTES } from './zip-checkpoint.js';

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
/** The magic number pickled with protocol 2: PROTO 2, LONG1 of 10 bytes. */
const MAGIC_PREFIX = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** True when the source starts with the legacy format's pickled magic number. */
export async function isLegacyCheckpoint(source: ByteSource): Promise<boolean> {
  if (source.size < MAGIC_PREFIX.length) return false;
  const head = await source.read(0, MAGIC_PREFIX.length);
  return MAGIC_PREFIX.every((b, i) => head[i] === b || (i === 1 && head[i]! >= 2 && head[i]! <= 5));
}

interface Record {
  offset: number;
  bytes: number;
}

export async function loadLegacyCheckpoint(source: ByteSource): Promise<LazyCheckpoint> {
  const file = source.name;
  // The pickles' total length is unknown: read a window and widen it while the pickles run past it.
  let window = Math.min(source.size, 1 << 20);
  for (;;) {
    try {
      return await parse(source, await source.read(0, window));
    } catch (error) {
      if (!(error instanceof PickleTruncatedError) || window >= source.size) throw error;
      if (window >= MAX_PICKLE_BYTES) throw new FileFormatError(file, `legacy checkpoint pickles run past ${MAX_PICKLE_BYTES} bytes`);
      window = Math.min(source.size, window * 4, MAX_PICKLE_BYTES);
    }
  }
}

async function parse(source: ByteSource, head: Uint8Array): Promise<LazyCheckpoint> {
  const file = source.name;
  const policy = new TorchPicklePolicy(file);
  let at = 0;
  const next = (): PickleValue => {
    const { value, end } = unpickleAt(head, at, file, policy);
    at = end;
    return value;
  };
  const magic = next();
  if (magic !== MAGIC_NUMBER) throw new FileFormatError(file, 'not a legacy PyTorch checkpoint: wrong magic number');
  const protocol = next();
  if (protocol !== PROTOCOL_VERSION) throw new FileFormatError(file, `legacy checkpoint protocol version is ${String(protocol)}; expected ${PROTOCOL_VERSION}`);
  const sysInfo = next();
  if (!(sysInfo instanceof PickleDict) || sysInfo.entries.get('little_endian') !== true) {
    throw new FileFormatError(file, 'legacy checkpoint was not saved on a little-endian machine (sys_info.little_endian is not True)');
  }
  const root = next();
  const keys = next();
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new FileFormatError(file, 'legacy checkpoint storage key list must be a list of str');

  const records = new Map<string, Record>();
  let position = at;
  for (const key of keys as string[]) {
    const storage = policy.storages.get(key);
    if (!storage) throw new FileFormatError(file, `legacy checkpoint lists storage '${key}' that no tensor uses`);
    if (records.has(key)) throw new FileFormatError(file, `legacy checkpoint lists storage '${key}' twice`);
    if (position + 8 > source.size) throw new FileFormatError(file, `legacy checkpoint is truncated: storage '${key}' header at ${position} is past the end (${source.size} bytes)`);
    const numel = new DataView((await source.read(position, 8)).buffer).getBigUint64(0, true);
    if (numel !== BigInt(storage.numel)) throw new FileFormatError(file, `storage '${key}' holds ${numel} elements; the pickle declares ${storage.numel}`);
    const bytes = storage.numel * TORCH_DTYPE_BYTES[storage.dtype];
    position += 8;
    if (position + bytes > source.size) {
      throw new FileFormatError(file, `legacy checkpoint is truncated: storage '${key}' declares ${bytes} bytes at ${position}, past the end (${source.size} bytes)`);
    }
    records.set(key, { offset: position, bytes });
    position += bytes;
  }
  const check = (key: string, offset: number, length: number): number => {
    const record = records.get(key)!;
    if (offset < 0 || offset + length > record.bytes) throw new FileFormatError(file, `read of ${length} bytes at ${offset} is outside storage '${key}' (${record.bytes} bytes)`);
    return record.offset + offset;
  };
  const storages: StorageAccess = {
    file,
    storageBytes: (key) => records.get(key)?.bytes,
    describe: (key) => `storage record '${key}'`,
    async readInto(key, offset, target) {
      await readRangeInto(source, check(key, offset, target.byteLength), target);
    },
    read: (key, offset, length) => source.read(check(key, offset, length), length),
    close: () => source.close(),
  };
  return LazyCheckpoint.fromRoot(storages, root, file);
}
