// What the seed's conversion script knows per Llama version and model size.
import { ArgumentError } from '@cria/core';

export const LLAMA_VERSIONS = ['1', '2', '3', '3.1', '3.2', 'Guard-3'] as const;
export type LlamaVersion = (typeof LLAMA_VERSIONS)[number];

/** Model-parallel shard count of Meta's releases, by model size (the script's NUM_SHARDS). */
export const NUM_SHARDS: Readonly<Record<string, number>> = {
  '1B': 1, '3B': 1, '7B': 1, '8B': 1, '8Bf': 1, '7Bf': 1, '13B': 2, '13Bf': 2, '34B': 4, '30B': 4,
  '65B': 8, '70B': 8, '70Bf': 8, '405B': 8, '405B-MP16': 16,
};

/** max_position_embeddings per version. */
export const CONTEXT_LENGTH_FOR_VERSION: Readonly<Record<LlamaVersion, number>> = {
  '1': 2048, '2': 4096, '3': 8192, '3.1': 131072, '3.2': 131072, 'Guard-3': 131072,
};

export function isLlama3(version: LlamaVersion): boolean {
  return version === '3' || version === '3.1' || version === '3.2' || version === 'Guard-3';
}

export function parseLlamaVersion(value: string): LlamaVersion {
  if ((LLAMA_VERSIONS as readonly string[]).includes(value)) return value as LlamaVersion;
  throw new ArgumentError(`--llama_version must be one of ${LLAMA_VERSIONS.join(', ')}; got '${value}'`);
}
