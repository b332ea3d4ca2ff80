// A ModelDirectory wrapper that reports how many bytes of each file have been read: the page's
// loading progress, without the model code knowing about it.
import type { ByteSource, ModelDirectory } from '@cria/core';

export interface LoadProgress {
  /** The file being read most recently. */
  file: string;
  /** Bytes read so far over every opened file. */
  loaded: number;
  /** Sizes of every opened file added up (grows as shards are opened). */
  total: number;
}

export function withProgress(directory: ModelDirectory, onProgress: (progress: LoadProgress) => void): ModelDirectory {
  let loaded = 0;
  let total = 0;
  return {
    name: directory.name,
    exists: (file) => directory.exists(file),
    readText: (file) => directory.readText(file),
    readJson: <T>(file: string) => directory.readJson<T>(file),
    async open(file: string): Promise<ByteSource> {
      const source = await directory.open(file);
      total += source.size;
      onProgress({ file, loaded, total });
      return {
        name: source.name,
        size: source.size,
        async read(offset: number, length: number) {
          const bytes = await source.read(offset, length);
          loaded += bytes.byteLength;
          onProgress({ file, loaded, total });
          return bytes;
        },
        close: () => source.close(),
      };
    },
  };
}
