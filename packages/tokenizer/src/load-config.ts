import type { ModelDirectory } from '@cria/core';
import { FileFormatError } from '@cria/core';

/**
 * tokenizer_config.json with special_tokens_map.json on top (as transformers loads them: the map's
 * entries replace the config's). Either file may be missing.
 */
export async function readTokenizerConfig(directory: ModelDirectory): Promise<Record<string, unknown>> {
  let config: Record<string, unknown> = {};
  if (await directory.exists('tokenizer_config.json')) {
    const c = await directory.readJson<unknown>('tokenizer_config.json');
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new FileFormatError(`${directory.name}/tokenizer_config.json`, 'expected a JSON object');
    config = { ...(c as Record<string, unknown>) };
  }
  if (await directory.exists('special_tokens_map.json')) {
    const m = await directory.readJson<unknown>('special_tokens_map.json');
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new FileFormatError(`${directory.name}/special_tokens_map.json`, 'expected a JSON object');
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) config[k] = v;
  }
  return config;
}

/** Reads a whole file of the directory as bytes. */
export async function readBytes(directory: ModelDirectory, file: string): Promise<Uint8Array> {
  const source = await directory.open(file);
  try {
    return await source.read(0, source.size);
  } finally {
    await source.close();
  }
}
