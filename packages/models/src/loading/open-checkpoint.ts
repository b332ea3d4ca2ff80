// Finds and opens a model directory's weights: safetensors (single or sharded) first, read by ranges,
// else pytorch_model.bin (single or sharded) through @cria/convert's safe PyTorch reader, read whole.
import { ArgumentError, type ByteSource, CriaError, FileFormatError, type ModelDirectory, openSafetensors } from '@cria/core';
import type { WeightSource } from './load-weights.js';

export type OpenedCheckpoint = WeightSource & { close(): Promise<void> };

const SAFETENSORS = ['model.safetensors.index.json', 'model.safetensors'];
const BIN_INDEX = 'pytorch_model.bin.index.json';
const BIN = 'pytorch_model.bin';

export async function openCheckpoint(directory: ModelDirectory): Promise<OpenedCheckpoint> {
  for (const file of SAFETENSORS) if (await directory.exists(file)) return openRangedSafetensors(directory);
  if (await directory.exists(BIN_INDEX)) {
    const index = await directory.readJson<{ weight_map?: Record<string, string> }>(BIN_INDEX);
    const map = index?.weight_map;
    if (!map || typeof map !== 'object') throw new FileFormatError(`${directory.name}/${BIN_INDEX}`, "has no 'weight_map' object");
    return openPytorchShards(directory, map);
  }
  if (await directory.exists(BIN)) return openPytorchShards(directory, null);
  throw new FileFormatError(directory.name, `holds no weights: expected ${[...SAFETENSORS, BIN_INDEX, BIN].join(', ')}`);
}

/**
 * The safetensors checkpoint of `directory`, plus ranged reads of each tensor's bytes through the file
 * handles it opened (recorded by a directory that remembers what it opens; the checkpoint still owns and
 * closes them).
 */
async function openRangedSafetensors(directory: ModelDirectory): Promise<OpenedCheckpoint> {
  const opened = new Map<string, ByteSource>();
  const recording: ModelDirectory = {
    name: directory.name,
    exists: (file) => directory.exists(file),
    readText: (file) => directory.readText(file),
    readJson: (file) => directory.readJson(file),
    open: async (file) => {
      const source = await directory.open(file);
      opened.set(file, source);
      return source;
    },
  };
  const checkpoint = await openSafetensors(recording);
  let closed = false;
  return {
    keys: () => checkpoint.keys(),
    info: (name) => checkpoint.info(name),
    get: (name) => checkpoint.get(name),
    async readTensorRange(name, offset, target) {
      const info = checkpoint.info(name);
      const source = opened.get(info.file);
      if (!source) throw new CriaError(`${directory.name}: tensor '${name}' is in ${info.file}, which the checkpoint did not open as such`);
      if (closed) throw new CriaError(`${directory.name}/${info.file}: read of '${name}' after close()`);
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.byteLength > info.byteLength) {
        throw new ArgumentError(`readTensorRange('${name}'): bytes ${offset}..${offset + target.byteLength} are outside the tensor's ${info.byteLength} bytes`);
      }
      if (source.readInto) await source.readInto(info.byteOffset + offset, target);
      else target.set(await source.read(info.byteOffset + offset, target.byteLength));
    },
    filePosition(name) {
      const info = checkpoint.info(name);
      const path = opened.get(info.file)?.localPath;
      return path === undefined ? undefined : { path, byteOffset: info.byteOffset };
    },
    close: async () => {
      closed = true;
      await checkpoint.close();
    },
  };
}

/** One WeightSource over pytorch shards (`map`: tensor -> shard file), or over pytorch_model.bin alone. */
async function openPytorchShards(directory: ModelDirectory, map: Record<string, string> | null): Promise<OpenedCheckpoint> {
  const { openPytorchCheckpoint } = await import('@cria/convert');
  const files = map ? [...new Set(Object.values(map))] : [BIN];
  const opened: Awaited<ReturnType<typeof openPytorchCheckpoint>>[] = [];
  const owner = new Map<string, (typeof opened)[number]>();
  try {
    for (const file of files) {
      const checkpoint = await openPytorchCheckpoint(await directory.open(file));
      opened.push(checkpoint);
      for (const key of checkpoint.keys()) {
        if (map && map[key] !== file) continue;
        owner.set(key, checkpoint);
      }
    }
    if (map) {
      const absent = Object.keys(map).filter((k) => !owner.has(k));
      if (absent.length) throw new FileFormatError(`${directory.name}/${BIN_INDEX}`, `lists tensors its shards do not hold: ${absent.slice(0, 8).join(', ')}`);
    }
  } catch (error) {
    await Promise.all(opened.map((c) => c.close()));
    throw error;
  }
  const get = (name: string) => {
    const c = owner.get(name);
    if (!c) throw new FileFormatError(directory.name, `no tensor '${name}' in its PyTorch checkpoint`);
    return c;
  };
  return {
    keys: () => [...owner.keys()],
    info: (name) => ({ ...get(name).info(name), file: map?.[name] ?? BIN }),
    get: (name) => get(name).get(name),
    close: async () => {
      await Promise.all(opened.map((c) => c.close()));
    },
  };
}
