import type { TypedArray } from '../dtype.js';
import { ArgumentError, CriaError } from '../errors.js';
import { nodeFs, nodePath } from '../io/node-modules.js';
import { type PlannedTensor, checkTensorSpec, planSafetensorsLayout, tensorDataBytes, withDefaultMetadata } from './layout.js';
import { pythonJsonDumps } from './python-json.js';
import { writeFully } from './serialize.js';
import { parseShardSize } from './shard-size.js';
import type { SafetensorsTensorSpec } from './types.js';

export interface ShardedWriterOptions {
  /** Largest shard in bytes of tensor data, or '5GB' / '500MB' / '2GiB' as transformers takes it. Default '5GB'. */
  maxShardSize?: number | string;
  /** Each shard's `__metadata__`, on top of {"format": "pt"}. */
  metadata?: Record<string, string>;
  /** File name prefix: 'model' gives model.safetensors or model-00001-of-0000N.safetensors. */
  prefix?: string;
}

export interface ShardedSafetensorsWriter {
  /** The shard files (names inside `dir`), in order. */
  files: string[];
  /** Writes one planned tensor's data at its place (any order; each tensor once). */
  write(name: string, data: TypedArray | Uint8Array): Promise<void>;
  /**
   * Finishes: fails if a planned tensor was never written; writes the index when there are several
   * shards; then removes files of an earlier save in `dir` that would make it ambiguous (stale shards,
   * a stale model.safetensors or index).
   */
  close(): Promise<void>;
}

/**
 * Splits tensors into shards as huggingface_hub's `split_torch_state_dict_into_shards` does: in the
 * given order, a tensor that would push the current shard past `maxShardSize` starts a new one, and
 * a tensor larger than `maxShardSize` gets a shard of its own.
 */
export function planShards(specs: readonly SafetensorsTensorSpec[], maxShardSize: number): SafetensorsTensorSpec[][] {
  const shards: SafetensorsTensorSpec[][] = [];
  let current: SafetensorsTensorSpec[] = [];
  let currentSize = 0;
  for (const spec of specs) {
    const size = checkTensorSpec(spec, 'createShardedSafetensorsWriter');
    if (size > maxShardSize) {
      shards.push([spec]);
      continue;
    }
    if (currentSize + size > maxShardSize) {
      shards.push(current);
      current = [];
      currentSize = 0;
    }
    current.push(spec);
    currentSize += size;
  }
  if (current.length > 0) shards.push(current);
  return shards.length > 0 ? shards : [[]];
}

/** Shard file names as transformers writes them. */
export function shardFileNames(prefix: string, count: number): string[] {
  if (count === 1) return [`${prefix}.safetensors`];
  const pad = (n: number) => String(n).padStart(5, '0');
  return Array.from({ length: count }, (_, i) => `${prefix}-${pad(i + 1)}-of-${pad(count)}.safetensors`);
}

/** The text of model.safetensors.index.json as transformers' save_pretrained writes it. */
export function safetensorsIndexText(totalSize: number, weightMap: Record<string, string>): string {
  return pythonJsonDumps({ metadata: { total_size: totalSize }, weight_map: weightMap }) + '\n';
}

/**
 * Plans a (possibly sharded) checkpoint in `dir` and returns a writer that takes tensors one by one,
 * in any order, writing each at its planned offset, so a converter never holds the whole model.
 * One shard is `model.safetensors`; several are `model-0000i-of-0000N.safetensors` plus
 * `model.safetensors.index.json`. Node only.
 */
export async function createShardedSafetensorsWriter(dir: string, specs: readonly SafetensorsTensorSpec[], options: ShardedWriterOptions = {}): Promise<ShardedSafetensorsWriter> {
  const where = `createShardedSafetensorsWriter(${dir})`;
  if (!Array.isArray(specs)) throw new ArgumentError(`${where}: specs must be an array of { name, dtype, shape }`);
  const prefix = options.prefix ?? 'model';
  if (typeof prefix !== 'string' || prefix === '' || /[/\\]/.test(prefix)) throw new ArgumentError(`${where}: prefix must be a plain file name prefix, got ${JSON.stringify(prefix)}`);
  const maxShardSize = parseShardSize(options.maxShardSize ?? '5GB');
  const metadata = withDefaultMetadata(options.metadata, where);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (typeof spec !== 'object' || spec === null) throw new ArgumentError(`${where}: each spec must be { name, dtype, shape }`);
    if (seen.has(spec.name)) throw new ArgumentError(`${where}: tensor '${spec.name}' is planned twice`);
    seen.add(spec.name);
  }
  const shards = planShards(specs, maxShardSize);
  const files = shardFileNames(prefix, shards.length);
  const layouts = shards.map((shard, i) => planSafetensorsLayout(shard, metadata, `${where}: ${files[i]}`));

  const fs = await nodeFs();
  const { join } = await nodePath();
  await fs.mkdir(dir, { recursive: true });
  type Handle = Awaited<ReturnType<typeof fs.open>>;
  const handles: Handle[] = [];
  const placeOf = new Map<string, { tensor: PlannedTensor; shard: number; position: number }>();
  try {
    for (const [i, layout] of layouts.entries()) {
      const handle = await fs.open(join(dir, files[i]!), 'w');
      handles.push(handle);
      await writeFully(handle, layout.header, 0);
      await handle.truncate(layout.header.byteLength + layout.dataSize);
      for (const tensor of layout.tensors) placeOf.set(tensor.name, { tensor, shard: i, position: layout.header.byteLength + tensor.begin });
    }
  } catch (error) {
    await Promise.allSettled(handles.map((h) => h.close()));
    throw error;
  }

  const written = new Set<string>();
  let closed = false;
  return {
    files: [...files],
    async write(name, data) {
      if (closed) throw new ArgumentError(`${where}: write('${name}') after close()`);
      const place = placeOf.get(name);
      if (!place) throw new ArgumentError(`${where}: tensor '${name}' was not planned`);
      if (written.has(name)) throw new ArgumentError(`${where}: tensor '${name}' was already written`);
      const bytes = tensorDataBytes(place.tensor, data, where);
      written.add(name);
      try {
        await writeFully(handles[place.shard]!, bytes, place.position);
      } catch (error) {
        written.delete(name);
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.allSettled(handles.map((h) => h.close()));
      const missing = [...placeOf.keys()].filter((name) => !written.has(name));
      if (missing.length > 0) {
        const shown = missing.slice(0, 5).map((n) => `'${n}'`).join(', ');
        throw new CriaError(`${where}: ${missing.length} planned tensor(s) were never written: ${shown}${missing.length > 5 ? ', ...' : ''}`);
      }
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const indexFile = `${prefix}.safetensors.index.json`;
      if (files.length > 1) {
        const weightMap: Record<string, string> = {};
        layouts.forEach((layout, i) => layout.tensors.forEach((t) => (weightMap[t.name] = files[i]!)));
        const totalSize = layouts.reduce((sum, layout) => sum + layout.dataSize, 0);
        await fs.writeFile(join(dir, indexFile), safetensorsIndexText(totalSize, weightMap));
      }
      for (const stale of staleCheckpointFiles(await fs.readdir(dir), prefix, files, files.length > 1 ? indexFile : undefined)) {
        await fs.rm(join(dir, stale), { force: true });
      }
    },
  };
}

/**
 * Files of an earlier save in the same folder that the new checkpoint does not replace: shards named
 * `<prefix>-NNNNN-of-NNNNN.safetensors` (transformers' save_pretrained removes these too), a
 * `<prefix>.safetensors` beside new shards, and an index beside a new single file. Left in place
 * they would make the folder ambiguous (readers would pick the stale index or file).
 */
export function staleCheckpointFiles(existing: readonly string[], prefix: string, written: readonly string[], indexFile: string | undefined): string[] {
  const keep = new Set([...written, ...(indexFile ? [indexFile] : [])]);
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shardPattern = new RegExp(`^${escaped}-\\d{5}-of-\\d{5}\\.safetensors$`);
  const ours = (name: string) => shardPattern.test(name) || name === `${prefix}.safetensors` || name === `${prefix}.safetensors.index.json`;
  return existing.filter((name) => ours(name) && !keep.has(name));
}

