import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileFormatError, bytesSource, openSafetensors, serializeSafetensors } from '../../src/index.js';
import { seededRandom } from '../../src/testing.js';
import { rawSafetensors, tempDir } from '../helpers.js';

const NAME = 'hostile.safetensors';

/** Opens `bytes` as a file named NAME and returns the error it must raise. */
async function faultOf(bytes: Uint8Array): Promise<FileFormatError> {
  const error = await openSafetensors(bytesSource(bytes, NAME)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'opening must fail').toBeInstanceOf(FileFormatError);
  expect((error as FileFormatError).file).toBe(NAME);
  expect((error as FileFormatError).message.startsWith(`${NAME}: `)).toBe(true);
  return error as FileFormatError;
}

const f32 = (n: number) => new Uint8Array(4 * n);
const entry = (dtype: string, shape: unknown, offsets: unknown) => JSON.stringify({ dtype, shape, data_offsets: offsets });

describe('hostile safetensors headers give a FileFormatError naming the file', () => {
  it.each<[string, () => Uint8Array, RegExp]>([
    ['a file shorter than the length prefix', () => new Uint8Array(5), /is 5 bytes long/],
    ['a header length beyond the file', () => {
      const b = rawSafetensors('{}');
      new DataView(b.buffer).setBigUint64(0, 4096n, true);
      return b;
    }, /header length 4096 is beyond the end of the file/],
    ['an absurd header length (2^63)', () => {
      const b = rawSafetensors('{}');
      new DataView(b.buffer).setBigUint64(0, 1n << 63n, true);
      return b;
    }, /header length 9223372036854775808 is beyond the 100000000-byte limit/],
    ['a header length just above the 100 MB cap', () => {
      const b = rawSafetensors('{}');
      new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
      return b;
    }, /beyond the 100000000-byte limit/],
    ['a header that is not UTF-8', () => {
      const b = rawSafetensors('{"a":1}  ');
      b[10] = 0xff;
      return b;
    }, /header is not valid UTF-8/],
    ['a header that is not JSON', () => rawSafetensors('{"x": {"dtype": "F32",'), /header is not valid JSON/],
    ['a header that is a JSON array', () => rawSafetensors('[1, 2, 3]'), /header must be a JSON object, got an array/],
    ['a header that is a JSON string', () => rawSafetensors('"hello"'), /header must be a JSON object, got string "hello"/],
    ['a header that is null', () => rawSafetensors('null'), /header must be a JSON object, got null/],
    ['a tensor entry that is not an object', () => rawSafetensors('{"x": [1, 2]}'), /tensor 'x' must be an object with dtype, shape and data_offsets, got an array/],
    ['a missing dtype', () => rawSafetensors(`{"x": {"shape": [1], "data_offsets": [0, 4]}}`, f32(1)), /tensor 'x': 'dtype' must be a string, got nothing/],
    ['a missing shape', () => rawSafetensors(`{"x": {"dtype": "F32", "data_offsets": [0, 4]}}`, f32(1)), /tensor 'x': 'shape' must be an array of non-negative integers/],
    ['missing data_offsets', () => rawSafetensors(`{"x": {"dtype": "F32", "shape": [1]}}`, f32(1)), /tensor 'x': 'data_offsets' must be \[begin, end\]/],
    ['a dtype that is a number', () => rawSafetensors(`{"x": ${entry(7 as unknown as string, [1], [0, 4])}}`, f32(1)), /'dtype' must be a string, got number 7/],
    ['a negative dimension', () => rawSafetensors(`{"x": ${entry('F32', [-1], [0, 4])}}`, f32(1)), /'shape' must be an array of non-negative integers/],
    ['a fractional dimension', () => rawSafetensors(`{"x": ${entry('F32', [1.5], [0, 4])}}`, f32(1)), /'shape' must be an array of non-negative integers/],
    ['a dimension that is a string', () => rawSafetensors(`{"x": ${entry('F32', ['2'], [0, 8])}}`, f32(2)), /'shape' must be an array/],
    ['three data_offsets', () => rawSafetensors(`{"x": ${entry('F32', [1], [0, 4, 8])}}`, f32(2)), /'data_offsets' must be \[begin, end\]/],
    ['an offset beyond 2^53', () => rawSafetensors(`{"x": {"dtype":"F32","shape":[1],"data_offsets":[0, 18014398509481985]}}`, f32(1)), /'data_offsets' must be/],
    ['an unknown dtype', () => rawSafetensors(`{"x": ${entry('F128', [1], [0, 16])}}`, f32(4)), /tensor 'x': unknown dtype 'F128'/],
    ['a byte length that disagrees with the shape', () => rawSafetensors(`{"x": ${entry('F32', [2, 3], [0, 20])}}`, f32(5)), /hold 20 bytes, but shape \[2, 3\] of F32 needs 24/],
    ['a shape too large to count', () => rawSafetensors(`{"x": ${entry('F32', [4294967296, 4294967296], [0, 4])}}`, f32(1)), /shape \[4294967296, 4294967296\] of F32 is too large/],
    ['F4 elements that do not fill whole bytes', () => rawSafetensors(`{"x": ${entry('F4', [3], [0, 2])}}`, new Uint8Array(2)), /do not fill whole bytes/],
    ['offsets outside the data', () => rawSafetensors(`{"x": ${entry('F32', [4], [0, 16])}}`, f32(2)), /data_offsets \[0, 16\] lie outside the data section \(8 bytes\)/],
    ['offsets that end before they begin (out of order)', () => rawSafetensors(`{"x": ${entry('F32', [0], [8, 4])}}`, f32(2)), /data_offsets \[8, 4\] end before they begin/],
    ['overlapping tensors', () => rawSafetensors(`{"a": ${entry('F32', [2], [0, 8])}, "b": ${entry('F32', [2], [4, 12])}}`, f32(3)), /tensor 'b' .* overlaps tensor 'a'/],
    ['two tensors on the same bytes', () => rawSafetensors(`{"a": ${entry('F32', [2], [0, 8])}, "b": ${entry('F32', [2], [0, 8])}}`, f32(2)), /overlaps/],
    ['a gap between tensors', () => rawSafetensors(`{"a": ${entry('F32', [1], [0, 4])}, "b": ${entry('F32', [1], [8, 12])}}`, f32(3)), /bytes 4\.\.8 of the data section belong to no tensor/],
    ['bytes after the last tensor', () => rawSafetensors(`{"a": ${entry('F32', [1], [0, 4])}}`, f32(3)), /the data section has 12 bytes but its tensors cover 4/],
    ['a duplicate tensor name', () => rawSafetensors(`{"a": ${entry('F32', [1], [0, 4])}, "a": ${entry('F32', [1], [4, 8])}}`, f32(2)), /header names 'a' twice/],
    ['a duplicate name spelled with an escape', () => rawSafetensors(`{"a": ${entry('F32', [1], [0, 4])}, "\\u0061": ${entry('F32', [1], [4, 8])}}`, f32(2)), /header names 'a' twice/],
    ['a duplicate __metadata__', () => rawSafetensors(`{"__metadata__": {"format": "pt"}, "__metadata__": {"format": "np"}}`), /header names '__metadata__' twice/],
    ['a duplicate field inside a tensor entry', () => rawSafetensors(`{"a": {"dtype": "F32", "dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}`, f32(1)), /header names 'dtype' twice inside 'a'/],
    ['__metadata__ that is not an object', () => rawSafetensors(`{"__metadata__": "pt"}`), /'__metadata__' must be an object of strings, got string "pt"/],
    ['__metadata__ with a non-string value', () => rawSafetensors(`{"__metadata__": {"format": "pt", "layers": 3}}`), /'__metadata__.layers' must be a string, got number 3/],
  ])('%s', async (_, build, message) => {
    const error = await faultOf(build());
    expect(error.message).toMatch(message);
  });

  it('a truncated file (any cut of a valid one) fails at open', async () => {
    const valid = serializeSafetensors({
      a: { dtype: 'float32', shape: [4, 4], data: new Float32Array(16).fill(1) },
      b: { dtype: 'int64', shape: [3], data: new BigInt64Array(3) },
    });
    for (let cut = 0; cut < valid.byteLength; cut += 7) {
      const error = await faultOf(valid.slice(0, cut));
      expect(error.message).toMatch(/bytes long|beyond the end of the file|not valid JSON|lie outside the data section|cover/);
    }
  });

  it('deeply nested JSON is refused without overflowing the stack', async () => {
    const depth = 200_000;
    const error = await faultOf(rawSafetensors(`{"x": ${'['.repeat(depth)}${']'.repeat(depth)}}`));
    expect(error.message).toMatch(/tensor 'x' must be an object/);
  });
});

describe('a seeded fuzz of header bytes', () => {
  it('400 random byte flips give a valid open or a FileFormatError, never another error', async () => {
    const valid = serializeSafetensors(
      {
        'model.embed.weight': { dtype: 'float16', shape: [4, 3], data: new Uint16Array(12).fill(0x3c00) },
        'model.norm.weight': { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 3]) },
        'model.count': { dtype: 'int64', shape: [], data: new BigInt64Array([7n]) },
        flag: { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) },
      },
      { format: 'pt', note: 'fuzz' },
    );
    const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
    const random = seededRandom(20261122);
    let opened = 0;
    let refused = 0;
    for (let round = 0; round < 400; round++) {
      const bytes = valid.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(random() * headerEnd);
        // Half the flips change one bit, half put in a structurally interesting character.
        bytes[at] = random() < 0.5 ? bytes[at]! ^ (1 << Math.floor(random() * 8)) : '{}[]",:0123456789 -e.'.charCodeAt(Math.floor(random() * 21));
      }
      try {
        const checkpoint = await openSafetensors(bytesSource(bytes, NAME));
        for (const name of checkpoint.keys()) {
          const info = checkpoint.info(name);
          const raw = await checkpoint.getBytes(name);
          expect(raw.byteLength).toBe(info.byteLength);
          if (info.dtype !== null) (await checkpoint.get(name)).dispose();
        }
        await checkpoint.close();
        opened++;
      } catch (error) {
        if (!(error instanceof FileFormatError)) throw new Error(`round ${round}: expected a FileFormatError, got ${String(error)}`, { cause: error });
        expect(error.file).toBe(NAME);
        refused++;
      }
    }
    console.log(`fuzz: ${opened} opened, ${refused} refused`);
    expect(opened + refused).toBe(400);
    expect(refused).toBeGreaterThan(200);
  });
});

describe('hostile sharded checkpoints give a FileFormatError naming the index', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function checkpointDir(index: string, shards: Record<string, Uint8Array>): Promise<string> {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writeFile(join(dir, 'model.safetensors.index.json'), index);
    for (const [name, bytes] of Object.entries(shards)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    return dir;
  }

  const shard = serializeSafetensors({ a: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } });

  async function indexFault(dir: string): Promise<FileFormatError> {
    const error = await openSafetensors(dir).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(join(dir, 'model.safetensors.index.json'));
    return error as FileFormatError;
  }

  it.each<[string, string, RegExp]>([
    ['a missing shard', '{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}', /names shard model-00002-of-00002\.safetensors, which is missing from/],
    ['a tensor its shard lacks', '{"weight_map": {"a": "model-00001-of-00002.safetensors", "zzz": "model-00001-of-00002.safetensors"}}', /maps tensor 'zzz' to model-00001-of-00002\.safetensors, which has no such tensor/],
    ['an index that is not JSON', '{"weight_map": ', /not valid JSON/],
    ['an index without weight_map', '{"metadata": {}}', /'weight_map' must be an object/],
    ['a weight_map value that is not a string', '{"weight_map": {"a": 3}}', /'weight_map.a' must be a file name/],
    ['a duplicate tensor in the weight_map', '{"weight_map": {"a": "model-00001-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}', /names 'a' twice in 'weight_map'/],
    ['a shard path that climbs out of the folder', '{"weight_map": {"a": "../model-00001-of-00002.safetensors"}}', /not a file inside the checkpoint's folder/],
    ['an absolute shard path', '{"weight_map": {"a": "/etc/passwd"}}', /not a file inside the checkpoint's folder/],
    ['a shard that is a folder', '{"weight_map": {"a": "sub"}}', /names shard sub, which is missing from/],
  ])('%s', async (_, index, message) => {
    const dir = await checkpointDir(index, { 'model-00001-of-00002.safetensors': shard, 'sub/inner.safetensors': shard });
    expect((await indexFault(dir)).message).toMatch(message);
  });

  it('a corrupt shard names the shard', async () => {
    const dir = await checkpointDir('{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}', {
      'model-00001-of-00002.safetensors': shard,
      'model-00002-of-00002.safetensors': shard.slice(0, shard.byteLength - 1),
    });
    const error = await openSafetensors(dir).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(join(dir, 'model-00002-of-00002.safetensors'));
  });
});

describe('a seeded fuzz of an index file', () => {
  it('200 random edits of model.safetensors.index.json give a valid open or a FileFormatError', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const shardA = serializeSafetensors({ a: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
      const shardB = serializeSafetensors({ b: { dtype: 'int32', shape: [1], data: new Int32Array([3]) } });
      await writeFile(join(dir, 'model-00001-of-00002.safetensors'), shardA);
      await writeFile(join(dir, 'model-00002-of-00002.safetensors'), shardB);
      const index = new TextEncoder().encode(
        JSON.stringify({ metadata: { total_size: 12 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }, null, 2),
      );
      const random = seededRandom(7);
      let refused = 0;
      for (let round = 0; round < 200; round++) {
        const bytes = index.slice();
        for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
          const at = Math.floor(random() * bytes.length);
          bytes[at] = random() < 0.5 ? bytes[at]! ^ (1 << Math.floor(random() * 8)) : '{}[]",:./0123456789ab'.charCodeAt(Math.floor(random() * 22));
        }
        await writeFile(join(dir, 'model.safetensors.index.json'), bytes);
        try {
          const checkpoint = await openSafetensors(dir);
          for (const name of checkpoint.keys()) (await checkpoint.get(name)).dispose();
          await checkpoint.close();
        } catch (error) {
          if (!(error instanceof FileFormatError)) throw new Error(`round ${round}: expected a FileFormatError, got ${String(error)}`, { cause: error });
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(100);
    } finally {
      await cleanup();
    }
  });
});
