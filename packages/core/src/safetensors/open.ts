import { ArgumentError, FileFormatError } from '../errors.js';
import { type ByteSource, fileSource, httpSource } from '../io/byte-source.js';
import { MissingFileError } from '../io/missing-file-error.js';
import { type ModelDirectory, isHttpUrl, nodeDirectory, urlDirectory } from '../io/model-directory.js';
import { isNotFound, nodeFs, nodePath } from '../io/node-modules.js';
import { LazySafetensorsCheckpoint, type OpenedSafetensorsFile, closeAll } from './checkpoint.js';
import { SAFETENSORS_INDEX_FILE, SAFETENSORS_SINGLE_FILE, parseSafetensorsIndex } from './index-file.js';
import { readSafetensorsHeader } from './read-header.js';
import type { SafetensorsCheckpoint, SafetensorsTensorInfo } from './types.js';

export interface OpenSafetensorsOptions {
  /** In a directory: the file to open ('model.safetensors', 'model.safetensors.index.json', ...). */
  file?: string;
}

/**
 * Opens a safetensors checkpoint lazily: only headers are read here; get() reads one tensor's range.
 *
 * `path` is a .safetensors file, a model.safetensors.index.json, or a directory (its index if
 * present, else model.safetensors) — as a path (Node), an http(s) URL, a ModelDirectory, or a
 * ByteSource of one file (the checkpoint takes it over and closes it on close()).
 */
export async function openSafetensors(path: string | ByteSource | ModelDirectory, options: OpenSafetensorsOptions = {}): Promise<SafetensorsCheckpoint> {
  if (typeof path === 'string') return openPath(path, options);
  if (isByteSource(path)) return openSingle(path, path.name);
  if (path && typeof (path as ModelDirectory).open === 'function') return openInDirectory(path as ModelDirectory, options.file);
  throw new ArgumentError('openSafetensors: expected a path, a URL, a ByteSource or a ModelDirectory');
}

function isByteSource(value: unknown): value is ByteSource {
  const v = value as Partial<ByteSource> | null;
  return !!v && typeof v.read === 'function' && typeof v.size === 'number';
}

async function openPath(path: string, options: OpenSafetensorsOptions): Promise<SafetensorsCheckpoint> {
  if (path === '') throw new ArgumentError('openSafetensors: path is empty');
  if (isHttpUrl(path)) {
    const withoutQuery = path.replace(/[?#].*$/, '');
    if (/\.json$/i.test(withoutQuery) || /\.safetensors$/i.test(withoutQuery)) {
      const slash = withoutQuery.lastIndexOf('/');
      if (/\.safetensors$/i.test(withoutQuery)) return openSingle(await httpSource(path), path);
      return openInDirectory(urlDirectory(withoutQuery.slice(0, slash + 1)), withoutQuery.slice(slash + 1));
    }
    return openInDirectory(urlDirectory(path), options.file);
  }
  const fs = await nodeFs();
  const { basename, dirname } = await nodePath();
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(path)).isDirectory();
  } catch (error) {
    if (isNotFound(error)) throw new MissingFileError(path, dirname(path), { cause: error });
    throw error;
  }
  if (isDirectory) return openInDirectory(nodeDirectory(path), options.file);
  if (/\.json$/i.test(path)) return openIndexed(nodeDirectory(dirname(path)), basename(path));
  return openSingle(await fileSource(path), path);
}

async function openInDirectory(directory: ModelDirectory, file: string | undefined): Promise<SafetensorsCheckpoint> {
  let chosen = file;
  if (chosen === undefined) {
    if (await directory.exists(SAFETENSORS_INDEX_FILE)) chosen = SAFETENSORS_INDEX_FILE;
    else if (await directory.exists(SAFETENSORS_SINGLE_FILE)) chosen = SAFETENSORS_SINGLE_FILE;
    else throw new MissingFileError(`${directory.name}/${SAFETENSORS_SINGLE_FILE}`, directory.name);
  }
  if (/\.json$/i.test(chosen)) return openIndexed(directory, chosen);
  return openSingle(await directory.open(chosen), chosen);
}

async function openSingle(source: ByteSource, file: string): Promise<SafetensorsCheckpoint> {
  try {
    const header = await readSafetensorsHeader(source, file);
    const tensors = new Map(header.tensors.map((t) => [t.name, t]));
    return new LazySafetensorsCheckpoint([{ file, source, metadata: header.metadata }], tensors);
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function openIndexed(directory: ModelDirectory, indexFile: string): Promise<SafetensorsCheckpoint> {
  const indexName = `${directory.name.replace(/\/+$/, '')}/${indexFile}`;
  const index = parseSafetensorsIndex(await directory.readText(indexFile), indexName);
  // The index's folder: shard names are relative to it.
  const folder = indexFile.includes('/') ? indexFile.slice(0, indexFile.lastIndexOf('/') + 1) : '';

  const settled = await Promise.allSettled(index.shards.map((shard) => openShard(directory, folder + shard, shard, indexName)));
  const opened = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  try {
    if (failure) throw failure.reason;
    const tensors = new Map<string, SafetensorsTensorInfo>();
    const byShard = new Map(opened.map((o) => [o.file, o.tensors]));
    for (const [name, shard] of index.weightMap) {
      const info = byShard.get(shard)!.get(name);
      if (!info) throw new FileFormatError(indexName, `maps tensor '${name}' to ${shard}, which has no such tensor`);
      tensors.set(name, info);
    }
    return new LazySafetensorsCheckpoint(opened, tensors, index.metadata);
  } catch (error) {
    await closeAll(opened.map((o) => o.source));
    throw error;
  }
}

async function openShard(
  directory: ModelDirectory,
  path: string,
  shard: string,
  indexName: string,
): Promise<OpenedSafetensorsFile & { tensors: Map<string, SafetensorsTensorInfo> }> {
  let source: ByteSource;
  try {
    source = await directory.open(path);
  } catch (error) {
    if (error instanceof MissingFileError) throw new FileFormatError(indexName, `names shard ${shard}, which is missing from ${directory.name}`, { cause: error });
    throw error;
  }
  try {
    const header = await readSafetensorsHeader(source, shard);
    return { file: shard, source, metadata: header.metadata, tensors: new Map(header.tensors.map((t) => [t.name, t])) };
  } catch (error) {
    await source.close();
    throw error;
  }
}
