import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ELEMENT_DTYPES,
  type ElementDType,
  type TypedArray,
  allocTypedArray,
  bytesSource,
  createShardedSafetensorsWriter,
  openSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from '../../src/index.js';
import { hostData } from '../../src/tensor.js';
import { seededRandom } from '../../src/testing.js';
import { headerOf, tempDir } from '../helpers.js';

/** Random bytes for a tensor, with hand-placed NaN payloads, infinities and signed zeros in float dtypes. */
function sampleData(dtype: ElementDType, length: number, seed: number): TypedArray {
  const data = allocTypedArray(dtype, length);
  const bytes = new Uint8Array(data.buffer);
  const random = seededRandom(seed);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  const view = new DataView(data.buffer);
  const special: Partial<Record<ElementDType, (i: number) => void>> = {
    float32: (i) => [0x7fc00001, 0xffa00abc, 0x7f800000, 0x80000000, 0x7f800001].forEach((bits, k) => view.setUint32(4 * (i + k), bits, true)),
    float64: (i) => [0x7ff8000000000123n, 0xfff4000000000000n, 0x8000000000000000n].forEach((bits, k) => view.setBigUint64(8 * (i + k), bits, true)),
    float16: (i) => [0x7e01, 0xfd55, 0x7c00, 0x8000, 0x0001].forEach((bits, k) => view.setUint16(2 * (i + k), bits, true)),
    bfloat16: (i) => [0x7fc1, 0xffa5, 0x7f80, 0x8000, 0x0001].forEach((bits, k) => view.setUint16(2 * (i + k), bits, true)),
  };
  if (length >= 8) special[dtype]?.(1);
  if (dtype === 'bool') for (let i = 0; i < length; i++) bytes[i] = bytes[i]! & 1;
  return data;
}

function bytesOf(data: TypedArray | Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** One tensor of every dtype, of several shapes (including a scalar and an empty tensor). */
function everyDtype(): Record<string, { dtype: ElementDType; shape: number[]; data: TypedArray }> {
  const tensors: Record<string, { dtype: ElementDType; shape: number[]; data: TypedArray }> = {};
  ELEMENT_DTYPES.forEach((dtype, i) => {
    tensors[`layer.${dtype}.weight`] = { dtype, shape: [3, 5], data: sampleData(dtype, 15, 100 + i) };
    tensors[`scalar.${dtype}`] = { dtype, shape: [], data: sampleData(dtype, 1, 200 + i) };
  });
  tensors['empty.float32'] = { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) };
  return tensors;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function expectSameTensors(path: string | ReturnType<typeof bytesSource>, tensors: ReturnType<typeof everyDtype>) {
  const checkpoint = await openSafetensors(path);
  try {
    expect(checkpoint.keys()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const loaded = await checkpoint.get(name);
      expect(loaded.dtype).toBe(t.dtype);
      expect(loaded.shape).toEqual(t.shape);
      expect(bytesOf(hostData(loaded)).equals(bytesOf(t.data)), `${name} bit-exact`).toBe(true);
      expect(Buffer.from(await checkpoint.getBytes(name)).equals(bytesOf(t.data))).toBe(true);
    }
  } finally {
    await checkpoint.close();
  }
}

describe('safetensors round trip', () => {
  it('serializeSafetensors -> openSafetensors is bit-exact for every dtype (NaN payloads included)', async () => {
    const tensors = everyDtype();
    const bytes = serializeSafetensors(tensors, { note: 'round trip' });
    await expectSameTensors(bytesSource(bytes, 'memory.safetensors'), tensors);
    const checkpoint = await openSafetensors(bytesSource(bytes, 'memory.safetensors'));
    expect(checkpoint.metadata).toEqual({ format: 'pt', note: 'round trip' });
    await checkpoint.close();
  });

  it('writes the header as Hugging Face does: __metadata__ first, dtype-then-name order, space padding to 8', () => {
    const tensors = everyDtype();
    const bytes = serializeSafetensors(tensors);
    const { length, json, text } = headerOf(bytes);
    expect(length % 8).toBe(0);
    expect(text).toMatch(/^\{"__metadata__":\{"format":"pt"\},/);
    expect(text.trimEnd().length).toBeGreaterThan(length - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    // Descending safetensors dtype order, then by name; data contiguous from 0.
    const order = ['I64', 'F64', 'F32', 'I32', 'BF16', 'F16', 'I8', 'U8', 'BOOL'];
    const names = Object.keys(json).filter((k) => k !== '__metadata__');
    const entries = names.map((n) => json[n] as { dtype: string; data_offsets: [number, number] });
    const ranks = entries.map((e) => order.indexOf(e.dtype));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    let offset = 0;
    for (const e of entries) {
      expect(e.data_offsets[0]).toBe(offset);
      offset = e.data_offsets[1];
    }
    expect(bytes.byteLength).toBe(8 + length + offset);
    expect(names.filter((n) => (json[n] as { dtype: string }).dtype === 'F32')).toEqual(['empty.float32', 'layer.float32.weight', 'scalar.float32']);
  });

  it('writeSafetensors -> openSafetensors is bit-exact, and equals serializeSafetensors', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const tensors = everyDtype();
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, tensors);
    await expectSameTensors(path, tensors);
    expect(Buffer.from(await readFile(path)).equals(Buffer.from(serializeSafetensors(tensors)))).toBe(true);
  });

  it('accepts raw little-endian bytes as data', async () => {
    const values = new Float32Array([1.5, -2, Number.NaN]);
    const bytes = serializeSafetensors({ x: { dtype: 'float32', shape: [3], data: new Uint8Array(values.buffer) } });
    const checkpoint = await openSafetensors(bytesSource(bytes, 'raw.safetensors'));
    expect(bytesOf(hostData(await checkpoint.get('x'))).equals(bytesOf(values))).toBe(true);
    await checkpoint.close();
  });

  it('a sharded write with a small maxShardSize gives several shards and a transformers-style index', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const tensors = everyDtype();
    const names = Object.keys(tensors);
    const specs = names.map((name) => ({ name, dtype: tensors[name]!.dtype, shape: tensors[name]!.shape }));
    const writer = await createShardedSafetensorsWriter(dir, specs, { maxShardSize: 100 });
    // Write in reverse order: each tensor lands at its planned offset.
    for (const name of [...names].reverse()) await writer.write(name, tensors[name]!.data);
    await writer.close();

    const sizes = names.map((n) => tensors[n]!.data.byteLength);
    // The split huggingface_hub makes, computed naively here: greedy in the given order.
    const expectedShards: string[][] = [];
    let current: string[] = [];
    let size = 0;
    names.forEach((name, i) => {
      if (sizes[i]! > 100) return void expectedShards.push([name]);
      if (size + sizes[i]! > 100) {
        expectedShards.push(current);
        current = [];
        size = 0;
      }
      current.push(name);
      size += sizes[i]!;
    });
    if (current.length) expectedShards.push(current);
    expect(expectedShards.length).toBeGreaterThan(2);
    const n = String(expectedShards.length).padStart(5, '0');
    const shardNames = expectedShards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`);
    expect(writer.files).toEqual(shardNames);
    expect((await readdir(dir)).sort()).toEqual([...shardNames, 'model.safetensors.index.json'].sort());

    const indexText = await readFile(join(dir, 'model.safetensors.index.json'), 'utf8');
    const weightMap = Object.fromEntries(expectedShards.flatMap((shard, i) => shard.map((name) => [name, shardNames[i]!])));
    const total = sizes.reduce((a, b) => a + b, 0);
    // json.dumps(index, indent=2, sort_keys=True) + "\n", spelled out by hand.
    const sortedNames = Object.keys(weightMap).sort();
    const expectedText =
      '{\n  "metadata": {\n    "total_size": ' + total + '\n  },\n  "weight_map": {\n' +
      sortedNames.map((k) => `    "${k}": "${weightMap[k]}"`).join(',\n') + '\n  }\n}\n';
    expect(indexText).toBe(expectedText);

    await expectSameTensors(dir, tensors);
    await expectSameTensors(join(dir, 'model.safetensors.index.json'), tensors);
    for (const [i, shard] of shardNames.entries()) {
      const checkpoint = await openSafetensors(join(dir, shard));
      expect(checkpoint.keys()).toEqual([...expectedShards[i]!].sort());
      expect(checkpoint.metadata).toEqual({ format: 'pt' });
      await checkpoint.close();
    }
  });

  it('one shard is model.safetensors with no index, byte-equal to serializeSafetensors', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const tensors = everyDtype();
    const specs = Object.entries(tensors).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
    const writer = await createShardedSafetensorsWriter(dir, specs, { maxShardSize: '5GB', metadata: { source: 'test' } });
    for (const [name, t] of Object.entries(tensors)) await writer.write(name, t.data);
    await writer.close();
    expect(writer.files).toEqual(['model.safetensors']);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    const written = await readFile(join(dir, 'model.safetensors'));
    expect(Buffer.from(written).equals(Buffer.from(serializeSafetensors(tensors, { source: 'test' })))).toBe(true);
  });

  it('close() fails naming a planned tensor that was never written; bad writes are refused', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const writer = await createShardedSafetensorsWriter(dir, [
      { name: 'a', dtype: 'float32', shape: [2] },
      { name: 'b', dtype: 'float16', shape: [2] },
    ]);
    await expect(writer.write('c', new Float32Array(2))).rejects.toThrow(/'c' was not planned/);
    await expect(writer.write('a', new Float32Array(3))).rejects.toThrow(/'a' \[2\] float32 needs 8 bytes of data, got 12/);
    await expect(writer.write('b', new Float32Array(2))).rejects.toThrow(/must be a Uint16Array or raw bytes/);
    await writer.write('a', new Float32Array([1, 2]));
    await expect(writer.write('a', new Float32Array([1, 2]))).rejects.toThrow(/already written/);
    await expect(writer.close()).rejects.toThrow(/never written: 'b'/);
  });

  it('a new save replaces an earlier one in the same folder without leaving it ambiguous', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const { writeFile } = await import('node:fs/promises');
    for (const stale of ['model.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']) await writeFile(join(dir, stale), 'stale');
    for (const other of ['config.json', 'model-notes.txt', 'other-00001-of-00002.safetensors']) await writeFile(join(dir, other), 'keep');
    const specs = [
      { name: 'a', dtype: 'float32' as const, shape: [16] },
      { name: 'b', dtype: 'float32' as const, shape: [16] },
    ];
    const sharded = await createShardedSafetensorsWriter(dir, specs, { maxShardSize: 64 });
    for (const s of specs) await sharded.write(s.name, new Float32Array(16).fill(1));
    await sharded.close();
    expect((await readdir(dir)).sort()).toEqual(
      ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model-notes.txt', 'model.safetensors.index.json', 'other-00001-of-00002.safetensors'].sort(),
    );
    const single = await createShardedSafetensorsWriter(dir, specs);
    for (const s of specs) await single.write(s.name, new Float32Array(16).fill(2));
    await single.close();
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model-notes.txt', 'model.safetensors', 'other-00001-of-00002.safetensors'].sort());
    const checkpoint = await openSafetensors(dir);
    expect(Array.from((await (await checkpoint.get('a')).toFloat32()).slice(0, 2))).toEqual([2, 2]);
    await checkpoint.close();
  });

  it('refuses bad specs and sizes', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await expect(createShardedSafetensorsWriter(dir, [{ name: 'a', dtype: 'float32', shape: [1] }, { name: 'a', dtype: 'float32', shape: [1] }])).rejects.toThrow(/'a' is planned twice/);
    await expect(createShardedSafetensorsWriter(dir, [{ name: 'a', dtype: 'complex' as ElementDType, shape: [1] }])).rejects.toThrow(/unknown dtype "complex"/);
    await expect(createShardedSafetensorsWriter(dir, [], { maxShardSize: '5 apples' })).rejects.toThrow(/maxShardSize '5 apples' is not a size/);
    expect(() => serializeSafetensors({ x: { dtype: 'float32', shape: [-1], data: new Float32Array(1) } })).toThrow(/shape must be an array of non-negative integers/);
  });
});
