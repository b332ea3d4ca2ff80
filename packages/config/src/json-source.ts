import { FileFormatError } from '@cria/core';

/**
 * Where configs are read from: a directory path (Node) or anything with `readJson`/`exists`
 * (the `ModelDirectory` of @cria/core satisfies it, so browsers can pass fetched files).
 */
export interface JsonSource {
  readonly name: string;
  exists(file: string): Promise<boolean>;
  readJson(file: string): Promise<unknown>;
}

/** A directory on disk as a JsonSource. */
export function directorySource(dir: string): JsonSource {
  return {
    name: dir,
    async exists(file) {
      const { access } = await import('node:fs/promises');
      const { join } = await import('node:path');
      try {
        await access(join(dir, file));
        return true;
      } catch {
        return false;
      }
    },
    async readJson(file) {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const path = join(dir, file);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new FileFormatError(path, `cannot be read (${(error as Error).message})`, { cause: error });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new FileFormatError(path, `is not valid JSON (${(error as Error).message})`, { cause: error });
      }
    },
  };
}

export function toJsonSource(source: string | JsonSource): JsonSource {
  return typeof source === 'string' ? directorySource(source) : source;
}

/** Reads `file` from `source` and checks it holds a JSON object. */
export async function readJsonObject(source: string | JsonSource, file: string): Promise<Record<string, unknown>> {
  const src = toJsonSource(source);
  if (!(await src.exists(file))) throw new FileFormatError(`${src.name}/${file}`, 'is missing');
  const value = await src.readJson(file);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FileFormatError(`${src.name}/${file}`, 'must hold a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Writes `value` as indented JSON to `dir/file` (Node only). */
export async function writeJsonFile(dir: string, file: string, text: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), text);
}
