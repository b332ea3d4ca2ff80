import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CountingSource, type ModelDirectory, countingSource, nodeDirectory, openSafetensors } from '../../src/index.js';
import { fixture } from '../../src/testing.js';

/** A directory whose opened files count the bytes read through them. */
function countingDirectory(inner: ModelDirectory): ModelDirectory & { sources: Map<string, CountingSource> } {
  const sources = new Map<string, CountingSource>();
  return {
    name: inner.name,
    sources,
    exists: (file) => inner.exists(file),
    readText: (file) => inner.readText(file),
    readJson: (file) => inner.readJson(file),
    async open(file) {
      const source = countingSource(await inner.open(file));
      sources.set(file, source);
      return source;
    },
  };
}

/** The header length of a safetensors file, read naively. */
function headerBytes(path: string): number {
  return 8 + Number(new DataView(readFileSync(path).buffer).getBigUint64(0, true));
}

describe('a sharded checkpoint is read by ranges', () => {
  const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

  it('opening reads only the headers; one get() reads exactly that tensor’s range', async () => {
    const directory = countingDirectory(nodeDirectory(dir));
    const checkpoint = await openSafetensors(directory);
    const headers = shards.map((s) => headerBytes(join(dir, s)));
    expect([...directory.sources.keys()].sort()).toEqual(shards);
    shards.forEach((s, i) => expect(directory.sources.get(s)!.bytesRead).toBe(headers[i]));

    const name = 'model.layers.1.self_attn.k_proj.weight';
    const info = checkpoint.info(name);
    const shard = directory.sources.get(info.file)!;
    const before = shard.reads.length;
    const tensor = await checkpoint.get(name);
    expect(shard.reads.slice(before)).toEqual([{ offset: info.byteOffset, length: info.byteLength }]);
    expect(shard.bytesRead).toBe(headers[shards.indexOf(info.file)]! + info.byteLength);
    const other = directory.sources.get(shards.find((s) => s !== info.file)!)!;
    expect(other.bytesRead).toBe(headers[shards.indexOf(other.name.split('/').pop()!)]);
    // The shard is much larger than what was read.
    expect(shard.bytesRead).toBeLessThan(shard.size / 4);
    expect(info.byteLength).toBe(2 * tensor.size);
    await checkpoint.close();
  });
});

describe('closing', () => {
  it('close() (or await using) closes every shard, and reads after it fail', async () => {
    const directory = countingDirectory(nodeDirectory(fixture('models', 'tiny-llama2-gqa-f16-sharded')));
    const closed: string[] = [];
    const spy: ModelDirectory = {
      ...directory,
      async open(file) {
        const source = await directory.open(file);
        return { ...source, name: source.name, size: source.size, read: (o, l) => source.read(o, l), close: async () => void closed.push(file) };
      },
    };
    {
      await using checkpoint = (await openSafetensors(spy)) as Awaited<ReturnType<typeof openSafetensors>> & AsyncDisposable;
      expect(checkpoint.keys().length).toBeGreaterThan(0);
    }
    expect(closed.sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const checkpoint = await openSafetensors(spy);
    await checkpoint.close();
    await checkpoint.close();
    await expect(checkpoint.get('model.norm.weight')).rejects.toThrow(/after close\(\)/);
  });
});

