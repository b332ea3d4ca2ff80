import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixturesDir } from '../../src/testing.js';
import { type ElementDType, type SafetensorsCheckpoint, bfloat16ToFloat32, float16ToFloat32, nodeDirectory, openSafetensors, serializeSafetensors } from '../../src/index.js';
import { hostData } from '../../src/tensor.js';
import { headerOf } from '../helpers.js';

/** Every .safetensors file under the fixtures folder. */
function allFixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.safetensors')) out.push(path);
    }
  };
  walk(fixturesDir());
  return out.sort();
}

/** Decodes element `i` of a tensor straight from the file bytes (DataView, little-endian). */
function decodeByHand(file: Uint8Array, dtype: string, absoluteOffset: number, i: number): number {
  const view = new DataView(file.buffer, file.byteOffset);
  switch (dtype) {
    case 'F32':
      return view.getFloat32(absoluteOffset + 4 * i, true);
    case 'F16':
      return float16ToFloat32(view.getUint16(absoluteOffset + 2 * i, true));
    case 'BF16':
      return bfloat16ToFloat32(view.getUint16(absoluteOffset + 2 * i, true));
    default:
      throw new Error(`no hand decoder for ${dtype}`);
  }
}

const files = allFixtureFiles();

describe('fixture safetensors files', () => {
  it('finds the fixture files the README lists', () => {
    const names = files.map((f) => relative(fixturesDir(), f));
    expect(names).toContain('models/tiny-llama2-gqa-f16-sharded/model-00001-of-00002.safetensors');
    expect(names).toContain('meta/meta-llama1-tiny/expected-hf/model.safetensors');
    expect(names.filter((n) => n.endsWith('expected.safetensors')).length).toBeGreaterThanOrEqual(14);
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files.map((f) => [relative(fixturesDir(), f), f]))('%s opens and every tensor equals its bytes', async (_, path) => {
    const bytes = new Uint8Array(readFileSync(path));
    const { length, json } = headerOf(bytes);
    const names = Object.keys(json).filter((k) => k !== '__metadata__');
    const checkpoint = await openSafetensors(path);
    try {
      expect(checkpoint.keys()).toEqual([...names].sort());
      expect(checkpoint.metadata).toEqual(json['__metadata__'] ?? {});
      for (const name of names) {
        const entry = json[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
        const info = checkpoint.info(name);
        const start = 8 + length + entry.data_offsets[0];
        expect(info).toMatchObject({ name, safetensorsDtype: entry.dtype, shape: entry.shape, byteOffset: start, byteLength: entry.data_offsets[1] - entry.data_offsets[0] });
        const tensor = await checkpoint.get(name);
        expect(tensor.shape).toEqual(entry.shape);
        expect(tensor.dtype).toBe({ F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[entry.dtype]);
        // The whole tensor equals the file's bytes; the first and last elements equal a hand decode.
        const data = hostData(tensor);
        const same = Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(bytes.subarray(start, start + info.byteLength));
        expect(same, `${name} equals its bytes`).toBe(true);
        const values = await tensor.toFloat32();
        for (const i of [0, 1, values.length - 1]) {
          if (i >= values.length) continue;
          expect(values[i]).toBe(decodeByHand(bytes, entry.dtype, start, i));
        }
        tensor.dispose();
      }
    } finally {
      await checkpoint.close();
    }
  });
});

describe('the sharded fixture (tiny-llama2-gqa-f16-sharded)', () => {
  const dir = fixture('models', 'tiny-llama2-gqa-f16-sharded');
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };

  async function checkAgainstShards(checkpoint: SafetensorsCheckpoint) {
    expect(checkpoint.keys()).toEqual(Object.keys(index.weight_map).sort());
    expect(checkpoint.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(checkpoint.indexMetadata).toEqual({ total_size: 396160 });
    expect(checkpoint.metadata).toEqual({ format: 'pt' });
    let total = 0;
    for (const [name, shard] of Object.entries(index.weight_map)) {
      const info = checkpoint.info(name);
      expect(info.file).toBe(shard);
      const shardBytes = new Uint8Array(readFileSync(join(dir, shard)));
      const tensor = await checkpoint.get(name);
      expect(tensor.dtype).toBe('float16');
      const values = await tensor.toFloat32();
      expect(values[0]).toBe(decodeByHand(shardBytes, 'F16', info.byteOffset, 0));
      expect(values[values.length - 1]).toBe(decodeByHand(shardBytes, 'F16', info.byteOffset, values.length - 1));
      total += info.byteLength;
    }
    expect(total).toBe(index.metadata.total_size);
  }

  it('opens through its index file', async () => {
    const checkpoint = await openSafetensors(join(dir, 'model.safetensors.index.json'));
    await checkAgainstShards(checkpoint);
    await checkpoint.close();
  });

  it('opens through its directory (path and ModelDirectory)', async () => {
    for (const source of [dir, nodeDirectory(dir)]) {
      const checkpoint = await openSafetensors(source);
      await checkAgainstShards(checkpoint);
      await checkpoint.close();
    }
  });

  it('opens a single shard with options.file', async () => {
    const checkpoint = await openSafetensors(dir, { file: 'model-00002-of-00002.safetensors' });
    expect(checkpoint.keys()).toEqual(Object.entries(index.weight_map).filter(([, f]) => f === 'model-00002-of-00002.safetensors').map(([k]) => k).sort());
    await checkpoint.close();
  });
});

describe('the writer reproduces files written by Hugging Face safetensors', () => {
  // models/llama2c-260k/model.safetensors has the layout of safetensors' Rust writer (__metadata__ first).
  it('re-serializing llama2c-260k gives the same bytes', async () => {
    const path = fixture('models', 'llama2c-260k', 'model.safetensors');
    const original = new Uint8Array(readFileSync(path));
    const checkpoint = await openSafetensors(path);
    const tensors: Parameters<typeof serializeSafetensors>[0] = {};
    for (const name of checkpoint.keys()) {
      const t = await checkpoint.get(name);
      tensors[name] = { dtype: t.dtype as ElementDType, shape: t.shape, data: hostData(t) };
    }
    await checkpoint.close();
    expect(Buffer.from(serializeSafetensors(tensors, checkpoint.metadata)).equals(Buffer.from(original))).toBe(true);
  });
});

describe('the index writer reproduces the fixture index', () => {
  it('safetensorsIndexText equals the fixture model.safetensors.index.json (plus the final newline transformers adds)', async () => {
    const { safetensorsIndexText } = await import('../../src/index.js');
    const text = readFileSync(fixture('models', 'tiny-llama2-gqa-f16-sharded', 'model.safetensors.index.json'), 'utf8');
    const index = JSON.parse(text) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    // Shuffle the map so the writer has to sort the keys itself.
    const shuffled = Object.fromEntries(Object.entries(index.weight_map).reverse());
    expect(safetensorsIndexText(index.metadata.total_size, shuffled)).toBe(text.endsWith('\n') ? text : `${text}\n`);
  });
});
