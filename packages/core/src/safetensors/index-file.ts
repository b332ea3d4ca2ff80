import { ArgumentError, FileFormatError } from '../errors.js';
import { checkRelativeFile } from '../io/model-directory.js';
import { isPlainObject } from './header.js';
import { findDuplicateJsonKey } from './json-duplicate-keys.js';

/** The standard name of a sharded checkpoint's index. */
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';
export const SAFETENSORS_SINGLE_FILE = 'model.safetensors';

/** What model.safetensors.index.json says: which shard holds each tensor. */
export interface SafetensorsIndex {
  metadata: Record<string, unknown>;
  /** Tensor name -> shard file name (relative to the index's folder), in the index's order. */
  weightMap: Map<string, string>;
  /** The shard files, in order of first mention. */
  shards: string[];
}

/** Parses an index file's text; `file` names it in errors. */
export function parseSafetensorsIndex(text: string, file: string): SafetensorsIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isPlainObject(json)) throw new FileFormatError(file, 'must hold a JSON object with a weight_map');
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate) {
    const where = duplicate.path.length ? ` in '${duplicate.path.join('.')}'` : '';
    throw new FileFormatError(file, `names '${duplicate.key}' twice${where}`);
  }
  const metadata = json['metadata'] ?? {};
  if (!isPlainObject(metadata)) throw new FileFormatError(file, `'metadata' must be an object`);
  const map = json['weight_map'];
  if (!isPlainObject(map)) throw new FileFormatError(file, `'weight_map' must be an object mapping tensor names to shard files`);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string') throw new FileFormatError(file, `'weight_map.${name}' must be a file name, got ${JSON.stringify(shard) ?? 'nothing'}`);
    try {
      checkRelativeFile(file, shard);
    } catch (error) {
      if (error instanceof ArgumentError) throw new FileFormatError(file, `'weight_map.${name}' names '${shard}', which is not a file inside the checkpoint's folder`);
      throw error;
    }
    weightMap.set(name, shard);
    if (!shards.includes(shard)) shards.push(shard);
  }
  return { metadata, weightMap, shards };
}
