// The torch.save zip format (PyTorch >= 1.6): <name>/data.pkl, <name>/data/<key>, <name>/byteorder.
import { FileFormatError } from '@cria/core';
import { unpickle } from '../pickle/unpickler.js';
import type { ZipArchive } from '../zip/zip-reader.js';
import { LazyCheckpoint, type StorageAccess } from './lazy-checkpoint.js';
import { TorchPicklePolicy } from './torch-policy.js';

/** data.pkl is read whole; PyTorch's are kilobytes even for 405B models. */
export const MAX_PICKLE_BYTES = 512 * 1024 * 1024;

export async function loadZipCheckpoint(archive: ZipArchive): Promise<LazyCheckpoint> {
  const file = archive.name;
  const pickles = archive.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl');
  if (pickles.length === 0) throw new FileFormatError(file, 'zip archive has no <name>/data.pkl: not a PyTorch checkpoint');
  if (pickles.length > 1) throw new FileFormatError(file, `zip archive has ${pickles.length} data.pkl entries (${pickles.join(', ')}); expected one`);
  const pickleName = pickles[0]!;
  const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);
  const byteorderName = `${prefix}byteorder`;
  if (archive.entries.has(byteorderName)) {
    const order = new TextDecoder().decode(await archive.read(byteorderName)).trim();
    if (order !== 'little') throw new FileFormatError(file, `checkpoint byteorder is '${order}'; only 'little' is supported`);
  }
  const pickleEntry = archive.entry(pickleName);
  if (pickleEntry.size > MAX_PICKLE_BYTES) throw new FileFormatError(file, `${pickleName} is ${pickleEntry.size} bytes, over the ${MAX_PICKLE_BYTES}-byte limit`);
  const where = `${file}:${pickleName}`;
  const root = unpickle(await archive.read(pickleName), where, new TorchPicklePolicy(where));
  const entryOf = (key: string) => `${prefix}data/${key}`;
  const storages: StorageAccess = {
    file,
    storageBytes: (key) => archive.entries.get(entryOf(key))?.size,
    describe: entryOf,
    readInto: (key, offset, target) => archive.readInto(entryOf(key), offset, target),
    read: (key, offset, length) => archive.read(entryOf(key), offset, length),
    close: () => archive.close(),
  };
  return LazyCheckpoint.fromRoot(storages, root, where);
}
