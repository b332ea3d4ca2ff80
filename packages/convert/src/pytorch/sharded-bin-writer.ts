// pytorch_model.bin, or pytorch_model-0000N-of-0000M.bin + pytorch_model.bin.index.json, as
// transformers' save_pretrained(safe_serialization=False) shards them: in order, a tensor that would
// push the current shard past max_shard_size starts a new one.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError, parseShardSize, shapeSize } from '@cria/core';
import { createPytorchCheckpointWriter, type PytorchCheckpointWriter, type PytorchTensorSpec } from './checkpoint-writer.js';
import { TORCH_DTYPE_BYTES } from './torch-policy.js';

export interface ShardedPytorchWriter {
  files: string[];
  write(name: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function createShardedPytorchWriter(
  dir: string,
  specs: readonly PytorchTensorSpec[],
  options: { maxShardSize?: number | string } = {},
): Promise<ShardedPytorchWriter> {
  const max = parseShardSize(options.maxShardSize ?? '5GB', 'max_shard_size');
  const shards: PytorchTensorSpec[][] = [];
  let current: PytorchTensorSpec[] = [];
  let size = 0;
  for (const spec of specs) {
    const bytes = shapeSize(spec.shape) * TORCH_DTYPE_BYTES[spec.dtype];
    if (current.length > 0 && size + bytes > max) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(spec);
    size += bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  const pad = (n: number) => String(n).padStart(5, '0');
  const files = shards.length === 1 ? ['pytorch_model.bin'] : shards.map((_, i) => `pytorch_model-${pad(i + 1)}-of-${pad(shards.length)}.bin`);
  const writers: PytorchCheckpointWriter[] = [];
  const shardOf = new Map<string, number>();
  for (const [i, shard] of shards.entries()) {
    writers.push(await createPytorchCheckpointWriter(join(dir, files[i]!), shard, { archiveName: files[i]!.replace(/\.bin$/, '') }));
    for (const spec of shard) shardOf.set(spec.name, i);
  }
  return {
    files,
    async write(name, data) {
      const shard = shardOf.get(name);
      if (shard === undefined) throw new ArgumentError(`tensor '${name}' is not in this checkpoint's plan`);
      await writers[shard]!.write(name, data);
    },
    async close() {
      for (const w of writers) await w.close();
      if (files.length > 1) {
        const weightMap: Record<string, string> = {};
        let total = 0;
        for (const spec of specs) {
          weightMap[spec.name] = files[shardOf.get(spec.name)!]!;
          total += shapeSize(spec.shape) * TORCH_DTYPE_BYTES[spec.dtype];
        }
        await writeFile(join(dir, 'pytorch_model.bin.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n');
      }
    },
  };
}
