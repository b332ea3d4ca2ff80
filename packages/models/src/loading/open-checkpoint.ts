// Finds and opens a model directory's weights: safetensors (single or sharded) first, else
// pytorch_model.bin (single or sharded) through @cria/convert's safe PyTorch reader.
import { FileFormatError, type ModelDirectory, openSafetensors } from '@cria/core';
import type { WeightSource } from './load-weights.js';

export type OpenedCheckpoint = WeightSource & { close(): Promise<void> };

const SAFETENSORS = ['model.safetensors.index.json', 'model.safetensors'];
const BIN_INDEX = 'pytorch_model.bin.index.json';
const BIN = 'pytorch_model.bin';

export async function openCheckpoint(directory: ModelDirectory): Promise<OpenedCheckpoint> {
  for (const file of SAFETENSORS) if (await directory.exists(file)) return openSafetensors(directory);
  if (await directory.exists(BIN_INDEX)) {
    const index = await directory.readJson<{ weight_map?: Record<string, string> }>(BIN_INDEX);
    const map = index?.weight_map;
    if (!map || typeof map !== 'object') throw new FileFormatError(`${directory.name}/${BIN_INDEX}`, "has no 'weight_map' object");
    return openPytorchShards(directory, map);
  }
  if (await directory.exists(BIN)) return openPytorchShards(directory, null);
  throw new FileFormatError(directory.name, `holds no weights: expected ${[...SAFETENSORS, BIN_INDEX, BIN].join(', ')}`);
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
    info: (name) => get(name).info(name),
    get: (name) => get(name).get(name),
    close: async () => {
      await Promise.all(opened.map((c) => c.close()));
    },
  };
}
