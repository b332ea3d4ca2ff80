// readGguf: every value type and array type read back as written, v2 and v3, general.alignment, reads by bounded
// ranges (a large vocabulary, a 2^40-item array refused before anything is allocated), and every fault a
// FileFormatError naming the file and the field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, FileFormatError } from '../errors.js';
import { blobSource, bytesSource, countingSource, fileSource } from '../io/byte-source.js';
import { GGUF_VALUE_TYPE } from './constants.js';
import { ggufArray, ggufString } from './getters.js';
import { type GgufFile, readGguf } from './reader.js';
import { Bytes, type GgufSpec, ggufBytes } from './test-builder.js';
import { type GgufMetadata, type GgufValue, gguf } from './values.js';

const NAME = 'model.gguf';
const read = (bytes: Uint8Array, options?: Parameters<typeof readGguf>[1]) => readGguf(bytesSource(bytes, NAME), options);

/** Reads `bytes` as NAME and returns the FileFormatError it must raise. */
async function faultOf(bytes: Uint8Array, options?: Parameters<typeof readGguf>[1]): Promise<FileFormatError> {
  const error = await read(bytes, options).then(() => undefined, (e: unknown) => e);
  expect(error, 'reading must fail').toBeInstanceOf(FileFormatError);
  expect((error as FileFormatError).file).toBe(NAME);
  expect((error as FileFormatError).message.startsWith(`${NAME}: `)).toBe(true);
  return error as FileFormatError;
}

const out = mkdtempSync(join(tmpdir(), 'cria-gguf-reader-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const utf8 = new TextEncoder();
const NOT_UTF8 = new Uint8Array([0x61, 0xff, 0xfe, 0x62]);

const ALL_TYPES: [string, GgufValue][] = [
  ['general.architecture', gguf.string('llama')],
  ['t.u8', gguf.uint8(200)],
  ['t.i8', gguf.int8(-100)],
  ['t.u16', gguf.uint16(60000)],
  ['t.i16', gguf.int16(-30000)],
  ['t.u32', gguf.uint32(4000000000)],
  ['t.i32', gguf.int32(-2000000000)],
  ['t.f32', gguf.float32(0.5)],
  ['t.u64', gguf.uint64(2n ** 64n - 1n)],
  ['t.i64', gguf.int64(-(2n ** 63n))],
  ['t.f64', gguf.float64(0.1)],
  ['t.bool.true', gguf.bool(true)],
  ['t.bool.false', gguf.bool(false)],
  ['t.str', gguf.string('héllo ▁ 🦙')],
  ['t.str.empty', gguf.string('')],
  ['t.str.bom', gguf.string('\ufeffbom')],
  ['t.str.bytes', gguf.string(NOT_UTF8)],
  ['t.arr.u8', gguf.array('uint8', new Uint8Array([0, 255]))],
  ['t.arr.i8', gguf.array('int8', new Int8Array([-128, 127]))],
  ['t.arr.u16', gguf.array('uint16', new Uint16Array([65535, 1]))],
  ['t.arr.i16', gguf.array('int16', new Int16Array([-32768, 7]))],
  ['t.arr.u32', gguf.array('uint32', new Uint32Array([4294967295, 0]))],
  ['t.arr.i32', gguf.array('int32', new Int32Array([1, -2, 3]))],
  ['t.arr.f32', gguf.array('float32', new Float32Array([0.5, -1.25, Infinity]))],
  ['t.arr.f64', gguf.array('float64', new Float64Array([1e300, -0, 0.1]))],
  ['t.arr.u64', gguf.array('uint64', new BigUint64Array([2n ** 64n - 1n, 0n]))],
  ['t.arr.i64', gguf.array('int64', new BigInt64Array([-(2n ** 63n), 5n]))],
  ['t.arr.bool', gguf.array('bool', [true, false, true])],
  ['t.arr.str', gguf.array('string', ['a', '', NOT_UTF8, '<|x|>', '🦙'])],
  ['t.arr.empty', gguf.array('int32', new Int32Array(0))],
  ['t.arr.empty.str', gguf.array('string', [])],
];

describe('readGguf', () => {
  it('reads every value type and array type back as written, in file order', async () => {
    const built = ggufBytes({ metadata: ALL_TYPES });
    const file = await read(built.bytes);
    expect(file.file).toBe(NAME);
    expect(file.version).toBe(3);
    expect(file.fileSize).toBe(built.bytes.byteLength);
    expect([...file.metadata.keys()]).toEqual(ALL_TYPES.map(([k]) => k));
    expect(file.metadata).toEqual(new Map(ALL_TYPES));
    // the classes matter, not just the values
    for (const [key, value] of ALL_TYPES) {
      const got = file.metadata.get(key)!;
      if (value.type === 'array' && got.type === 'array') expect(got.values.constructor, key).toBe(value.values.constructor);
      else if (value.type !== 'array' && got.type !== 'array') expect(typeof got.value, key).toBe(typeof value.value);
    }
    expect((file.metadata.get('t.str.bytes') as { value: unknown }).value).toBeInstanceOf(Uint8Array);
    expect(file.tensors).toEqual([]);
    expect(file.alignment).toBe(32);
  });

  it('reads tensor infos: shape is ne reversed, offsets absolute and aligned, byte lengths from the block sizes', async () => {
    const built = ggufBytes({
      metadata: [['general.architecture', gguf.string('llama')]],
      tensors: [
        { name: 'token_embd.weight', type: 'F16', ne: [8, 5] },
        { name: 'blk.0.attn_q.weight', type: 'Q4_K', ne: [256, 3] },
        { name: 'blk.0.ffn_up.weight', type: 'Q8_0', ne: [64, 2, 1, 1] },
        { name: 'output_norm.weight', type: 'F32', ne: [7] },
        { name: 'x.bf16', type: 'BF16', ne: [3, 1, 2] },
        { name: 'q40', type: 'Q4_0', ne: [32] }, { name: 'q41', type: 'Q4_1', ne: [32] },
        { name: 'q50', type: 'Q5_0', ne: [32] }, { name: 'q51', type: 'Q5_1', ne: [32] },
        { name: 'q5k', type: 'Q5_K', ne: [256] }, { name: 'q6k', type: 'Q6_K', ne: [512, 2] },
      ],
    });
    const file = await read(built.bytes);
    expect(file.dataOffset).toBe(built.dataOffset);
    expect(file.dataOffset % 32).toBe(0);
    expect(file.tensors.map((t) => [t.name, t.type, t.shape, t.offset, t.byteLength])).toEqual([
      ['token_embd.weight', 'F16', [5, 8], built.dataOffset, 80],
      ['blk.0.attn_q.weight', 'Q4_K', [3, 256], built.dataOffset + 96, 3 * 144],
      ['blk.0.ffn_up.weight', 'Q8_0', [1, 1, 2, 64], built.dataOffset + 96 + 448, 4 * 34],
      ['output_norm.weight', 'F32', [7], built.dataOffset + 96 + 448 + 160, 28],
      ['x.bf16', 'BF16', [2, 1, 3], built.dataOffset + 736, 12],
      ['q40', 'Q4_0', [32], built.dataOffset + 768, 18],
      ['q41', 'Q4_1', [32], built.dataOffset + 800, 20],
      ['q50', 'Q5_0', [32], built.dataOffset + 832, 22],
      ['q51', 'Q5_1', [32], built.dataOffset + 864, 24],
      ['q5k', 'Q5_K', [256], built.dataOffset + 896, 176],
      ['q6k', 'Q6_K', [2, 512], built.dataOffset + 1088, 2 * 2 * 210],
    ]);
    for (const [i, t] of file.tensors.entries()) expect(t.offset).toBe(built.dataOffset + Number(built.offsets[i]));
  });

  it('reads GGUF version 2 files (same layout)', async () => {
    const file = await read(ggufBytes({ version: 2, metadata: [['a', gguf.uint32(1)]], tensors: [{ name: 't', type: 'F32', ne: [2] }] }).bytes);
    expect(file.version).toBe(2);
    expect(file.metadata.get('a')).toEqual(gguf.uint32(1));
    expect(file.tensors[0]!.shape).toEqual([2]);
  });

  it('takes the alignment from general.alignment', async () => {
    const built = ggufBytes({
      alignment: 256,
      metadata: [['general.alignment', gguf.uint32(256)]],
      tensors: [{ name: 'a', type: 'F32', ne: [3] }, { name: 'b', type: 'F32', ne: [5] }],
    });
    const file = await read(built.bytes);
    expect(file.alignment).toBe(256);
    expect(file.dataOffset).toBe(256);
    expect(file.tensors.map((t) => t.offset)).toEqual([256, 512]);
    // and at alignment 1, tensors may sit anywhere
    const one = await read(ggufBytes({ alignment: 1, metadata: [['general.alignment', gguf.uint32(1)]], tensors: [{ name: 'a', type: 'F16', ne: [3] }, { name: 'b', type: 'F16', ne: [1] }] }).bytes);
    expect(one.tensors.map((t) => t.offset - one.dataOffset)).toEqual([0, 6]);
  });

  it('accepts tensors out of order, with gaps, and a file that ends right after the last tensor', async () => {
    const built = ggufBytes({ tensors: [{ name: 'late', type: 'F32', ne: [2], offset: 64 }, { name: 'early', type: 'F32', ne: [2], offset: 0 }], dataBytes: 72 });
    const file = await read(built.bytes);
    expect(file.tensors.map((t) => [t.name, t.offset - file.dataOffset])).toEqual([['late', 64], ['early', 0]]);
  });

  it('accepts a file with no tensors that ends at the tensor infos (no padding)', async () => {
    const b = new Bytes().u32(0x46554747).u32(3).u64(0).u64(1).string('k').value(gguf.uint8(1)).result();
    const file = await read(b);
    expect(file.metadata.get('k')).toEqual(gguf.uint8(1));
    expect(file.tensors).toEqual([]);
  });

  it('reads through fileSource (readInto) and blobSource (read) alike, a large array straight into its typed array', async () => {
    const big = new Float32Array(3_000_000).map((_, i) => i * 0.25);
    const built = ggufBytes({ metadata: [['a', gguf.string('x'.repeat(100_000))], ['big', gguf.array('float32', big)], ['z', gguf.uint8(9)]], tensors: [{ name: 't', type: 'F32', ne: [4] }] });
    const path = join(out, 'large-array.gguf');
    writeFileSync(path, built.bytes);
    const source = await fileSource(path);
    let fromFile: GgufFile;
    try {
      fromFile = await readGguf(source);
    } finally {
      await source.close();
    }
    const fromBlob = await readGguf(blobSource(new Blob([built.bytes as Uint8Array<ArrayBuffer>]), NAME));
    for (const file of [fromFile, fromBlob]) {
      const values = ggufArray(file, 'big', 'float32');
      expect(values).toBeInstanceOf(Float32Array);
      expect(Buffer.from(values.buffer, values.byteOffset, values.byteLength).equals(Buffer.from(big.buffer))).toBe(true);
      expect(file.metadata.get('z')).toEqual(gguf.uint8(9));
      expect(file.tensors[0]!.offset).toBe(built.dataOffset);
    }
    expect(fromFile.file).toBe(path);
  });

  it('reads a 128k-token vocabulary by bounded ranges that grow, never reading a byte twice or past the header region', async () => {
    const n = 128_256;
    const tokens = Array.from({ length: n }, (_, i) => `tok▁${i.toString(36)}${'·'.repeat(i % 220)}`);
    const merges = Array.from({ length: 280_000 }, (_, i) => `▁${(i % 5000).toString(36)} ${(i * 7).toString(36)}${'ab'.repeat(i % 80)}`);
    const tokenTypes = Int32Array.from({ length: n }, (_, i) => 1 + (i % 6));
    const scores = Float32Array.from({ length: n }, (_, i) => -i);
    const metadata: [string, GgufValue][] = [
      ['tokenizer.ggml.model', gguf.string('gpt2')],
      ['tokenizer.ggml.tokens', gguf.array('string', tokens)],
      ['tokenizer.ggml.token_type', gguf.array('int32', tokenTypes)],
      ['tokenizer.ggml.scores', gguf.array('float32', scores)],
      ['tokenizer.ggml.merges', gguf.array('string', merges)],
    ];
    const built = ggufBytes({ metadata, tensors: [{ name: 'token_embd.weight', type: 'F32', ne: [8, 4] }] });
    expect(built.dataOffset).toBeGreaterThan(50_000_000);
    const source = countingSource(bytesSource(built.bytes, NAME));
    const file = await readGguf(source);
    // compared item by item: a deep toEqual of 400k strings takes seconds
    expect([...file.metadata.keys()]).toEqual(metadata.map(([k]) => k));
    expect(ggufString(file, 'tokenizer.ggml.model')).toBe('gpt2');
    const same = (a: ArrayLike<unknown>, b: ArrayLike<unknown>) => a.length === b.length && Array.prototype.every.call(a, (v, i) => v === b[i]);
    expect(same(ggufArray(file, 'tokenizer.ggml.tokens', 'string'), tokens)).toBe(true);
    expect(same(ggufArray(file, 'tokenizer.ggml.merges', 'string'), merges)).toBe(true);
    expect(same(ggufArray(file, 'tokenizer.ggml.token_type', 'int32'), tokenTypes)).toBe(true);
    expect(same(ggufArray(file, 'tokenizer.ggml.scores', 'float32'), scores)).toBe(true);
    expect(file.tensors[0]!.offset).toBe(built.dataOffset);
    // bounded chunks (8 MiB at most), in order, each byte once, nothing of the data section but the first chunk's tail
    expect(Math.max(...source.reads.map((r) => r.length))).toBeLessThanOrEqual(8 * 1024 * 1024);
    for (let i = 1; i < source.reads.length; i++) expect(source.reads[i]!.offset).toBe(source.reads[i - 1]!.offset + source.reads[i - 1]!.length);
    expect(source.bytesRead).toBeLessThanOrEqual(built.dataOffset + 8 * 1024 * 1024);
  });

  it('refuses an array of 2^40 uint32 in a 1 MB file at once, before allocating it', async () => {
    const b = new Bytes().u32(0x46554747).u32(3).u64(0).u64(1).string('tokenizer.ggml.token_type').u32(9).u32(GGUF_VALUE_TYPE.uint32).u64(2n ** 40n).zeros(1 << 20).result();
    const source = countingSource(bytesSource(b, NAME));
    const error = await readGguf(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as Error).message).toMatch(/^model\.gguf: metadata 'tokenizer\.ggml\.token_type': array of 1099511627776 uint32 needs 4398046511104 bytes at offset \d+, but the file ends at byte 1048\d+ \(truncated\)$/);
    expect(source.bytesRead).toBeLessThanOrEqual(64 * 1024);
  });

  it('bounds the header region by options.maxHeaderBytes', async () => {
    const built = ggufBytes({ metadata: [['a', gguf.string('x'.repeat(5000))]], tensors: [{ name: 't', type: 'F32', ne: [1024] }] });
    expect((await read(built.bytes, { maxHeaderBytes: 6000 })).metadata.get('a')).toEqual(gguf.string('x'.repeat(5000)));
    const error = await faultOf(built.bytes, { maxHeaderBytes: 4000 });
    expect(error.message).toMatch(/metadata 'a' \(string\) needs 5000 bytes at offset 45, past the 4000-byte bound on GGUF metadata and tensor infos \(options\.maxHeaderBytes = 4000\)/);
    await expect(read(built.bytes, { maxHeaderBytes: 0 })).rejects.toThrow(ArgumentError);
    await expect(read(built.bytes, { maxHeaderBytes: 1.5 })).rejects.toThrow(/options\.maxHeaderBytes must be a positive integer, got 1\.5/);
  });

  it('refuses what is not a ByteSource', async () => {
    await expect(readGguf(new Uint8Array(4) as never)).rejects.toThrow(ArgumentError);
  });
});

/** A valid file's spec with one field changed. */
const F32_T: GgufSpec['tensors'] = [{ name: 'blk.0.attn_q.weight', type: 'F32', ne: [4, 2] }];
const header = () => new Bytes().u32(0x46554747).u32(3);
const truncate = (bytes: Uint8Array, n: number) => bytes.subarray(0, n);
const uint64At = (bytes: Uint8Array, at: number, v: bigint) => {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(at, v, true);
  return copy;
};

describe('hostile GGUF files give a FileFormatError naming the file and the field', () => {
  it.each<[string, () => Uint8Array, RegExp]>([
    ['an empty file', () => new Uint8Array(0), /not a GGUF file: it is 0 bytes long/],
    ['a bad magic', () => new TextEncoder().encode('PK\u0003\u0004 and more bytes here'), /not a GGUF file: it starts with bytes 50 4b 03 04, not the magic "GGUF"/],
    ['a safetensors file', () => ggufBytes({ magic: 0x00000040 }).bytes, /not a GGUF file/],
    ['GGUF version 1', () => ggufBytes({ version: 1 }).bytes, /is GGUF version 1, which cria does not read \(it reads versions 2 and 3\)/],
    ['GGUF version 4', () => ggufBytes({ version: 4 }).bytes, /GGUF version 4 is not supported \(cria reads versions 2 and 3\)/],
    ['a big-endian file', () => ggufBytes({ version: 0x03000000 }).bytes, /is a big-endian GGUF file \(version 3\); cria reads little-endian GGUF only/],
    ['a file cut in the magic', () => truncate(ggufBytes().bytes, 3), /not a GGUF file: it is 3 bytes long/],
    ['a file cut in the version', () => truncate(ggufBytes().bytes, 6), /the version needs 4 bytes at offset 4, but the file ends at byte 6 \(truncated\)/],
    ['a file cut in the counts', () => truncate(ggufBytes().bytes, 20), /the tensor and metadata counts needs 16 bytes at offset 8, but the file ends at byte 20 \(truncated\)/],
    ['a tensor count past the file', () => ggufBytes({ tensorCount: 2n ** 63n }).bytes, /the tensor count 9223372036854775808 \(at least 33 bytes each\) needs \d+ bytes at offset 24, but the file ends at byte 32 \(truncated\)/],
    ['a metadata count past the file', () => ggufBytes({ kvCount: 2n ** 64n - 1n, metadata: [['a', gguf.uint8(1)]] }).bytes, /the metadata count 18446744073709551615 \(at least 14 bytes each\)/],
    ['a metadata count one too many', () => truncate(ggufBytes({ kvCount: 2, metadata: [['a', gguf.string('x'.repeat(40))]] }).bytes, 24 + 9 + 4 + 48 + 4), /metadata key #1 \(its length\) needs 8 bytes at offset 85, but the file ends at byte 89 \(truncated\)/],
    ['a file cut in a metadata value', () => truncate(ggufBytes({ metadata: [['general.name', gguf.string('tiny llama')]] }).bytes, 24 + 20 + 4 + 8 + 3), /metadata 'general\.name' \(string\) needs 10 bytes at offset 56, but the file ends at byte 59 \(truncated\)/],
    ['a numeric array longer than the file', () => truncate(ggufBytes({ metadata: [['s', gguf.array('float32', new Float32Array(8))]] }).bytes, 24 + 9 + 4 + 12 + 10), /metadata 's': array of 8 float32 needs 32 bytes at offset 49, but the file ends at byte 59 \(truncated\)/],
    ['a file cut in a string array', () => truncate(ggufBytes({ metadata: [['s', gguf.array('string', ['hello', 'world'])]] }).bytes, 24 + 9 + 4 + 12 + 13 + 8 + 2), /metadata 's' item 1 \(string\) needs 5 bytes at offset 70, but the file ends at byte 72 \(truncated\)/],
    ['a file cut in a tensor info', () => truncate(ggufBytes({ tensors: F32_T }).bytes, 24 + 8 + 19 + 4 + 8), /tensor 'blk\.0\.attn_q\.weight': ne, type and offset needs 28 bytes at offset 55, but the file ends at byte 63 \(truncated\)/],
    ['a file cut in the tensor data', () => truncate(ggufBytes({ tensors: F32_T }).bytes, 96 + 31), /tensor 'blk\.0\.attn_q\.weight' \(F32, shape \[2, 4\]\): data at offset 0 of the data section \(file bytes 96\.\.128\) is past the end of the file \(127 bytes\)/],
    ['a key of length 0', () => ggufBytes({ metadata: [['', gguf.uint8(1)]] }).bytes, /metadata key #0 \(at offset 24\) is empty \(key length 0\)/],
    ['a key that is not UTF-8', () => ggufBytes({ metadata: [[NOT_UTF8, gguf.uint8(1)]] }).bytes, /metadata key #0 \(at offset 24\) is not valid UTF-8/],
    ['a key length past the file', () => uint64At(ggufBytes({ metadata: [['abc', gguf.uint8(1)]] }).bytes, 24, 2n ** 62n), /metadata key #0 needs 4611686018427387904 bytes at offset 32, but the file ends/],
    ['a string length past the file', () => uint64At(ggufBytes({ metadata: [['abc', gguf.string('hello')]] }).bytes, 24 + 11 + 4, 1000n), /metadata 'abc' \(string\) needs 1000 bytes at offset 47, but the file ends at byte 64 \(truncated\)/],
    ['a string length of 2^64 - 1 in an array', () => uint64At(ggufBytes({ metadata: [['v', gguf.array('string', ['a', 'b'])]] }).bytes, 24 + 9 + 4 + 12 + 9, 2n ** 64n - 1n), /metadata 'v' item 1 \(string\) needs 18446744073709551615 bytes/],
    ['a duplicate metadata key', () => ggufBytes({ metadata: [['general.name', gguf.string('a')], ['general.name', gguf.string('b')]] }).bytes, /metadata 'general\.name' appears twice/],
    ['an unknown value type', () => ggufBytes({ metadata: [{ key: 'odd', write: (b) => b.u32(13).u32(0) }] }).bytes, /metadata 'odd': unknown value type 13 \(GGUF value types are 0 to 12\)/],
    ['an unknown array item type', () => ggufBytes({ metadata: [{ key: 'odd', write: (b) => b.u32(9).u32(4000).u64(0) }] }).bytes, /metadata 'odd' \(array\): unknown value type 4000/],
    ['an array of arrays', () => ggufBytes({ metadata: [{ key: 'nested', write: (b) => b.u32(9).u32(9).u64(1).u32(4).u64(1).u32(7) }] }).bytes, /metadata 'nested': arrays of arrays are not supported/],
    ['general.alignment not a power of two', () => ggufBytes({ metadata: [['general.alignment', gguf.uint32(48)]] }).bytes, /metadata 'general\.alignment' must be a uint32 power of two, got uint32 48/],
    ['general.alignment 0', () => ggufBytes({ metadata: [['general.alignment', gguf.uint32(0)]] }).bytes, /metadata 'general\.alignment' must be a uint32 power of two, got uint32 0/],
    ['general.alignment as a uint64', () => ggufBytes({ metadata: [['general.alignment', gguf.uint64(64n)]] }).bytes, /metadata 'general\.alignment' must be a uint32 power of two, got uint64 64/],
    ['general.alignment as a string', () => ggufBytes({ metadata: [['general.alignment', gguf.string('x'.repeat(500))]] }).bytes, /got string 'x{80}…'$/],
    ['a duplicate tensor name', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [1] }, { name: 'a', type: 'F32', ne: [1] }] }).bytes, /tensor 'a' appears twice in the tensor infos/],
    ['an empty tensor name', () => ggufBytes({ tensors: [{ name: '', type: 'F32', ne: [1] }] }).bytes, /tensor info #0 \(at offset 24\): the name is empty/],
    ['a tensor name that is not UTF-8', () => ggufBytes({ tensors: [{ name: NOT_UTF8, type: 'F32', ne: [1] }] }).bytes, /tensor info #0 \(at offset 24\): the name is not valid UTF-8/],
    ['n_dims 0', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [], nDims: 0 }] }).bytes, /tensor 'a': n_dims 0 is not 1 to 4/],
    ['n_dims 5', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [1, 1, 1, 1, 1] }] }).bytes, /tensor 'a': n_dims 5 is not 1 to 4/],
    ['n_dims 2^32 - 1', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [1], nDims: 2 ** 32 - 1 }] }).bytes, /tensor 'a': n_dims 4294967295 is not 1 to 4/],
    ['a dimension of 0', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [4, 0] }] }).bytes, /tensor 'a': dimension ne\[1\] is 0 \(dimensions must be at least 1\)/],
    ['a negative dimension (as int64)', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [2n ** 64n - 1n] }] }).bytes, /tensor 'a': dimension ne\[0\] 18446744073709551615 is past 2\^53 - 1/],
    ['an element count past 2^53', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [2 ** 27, 2 ** 27] }] }).bytes, /tensor 'a' \(F32\): shape \[134217728, 134217728\] has more than 2\^53 - 1 elements/],
    ['a byte length past 2^53', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [2 ** 26, 2 ** 26] }] }).bytes, /tensor 'a' \(F32\): shape \[67108864, 67108864\] is too large/],
    ['a known ggml type cria does not read', () => ggufBytes({ tensors: [{ name: 'a', type: 11, ne: [256] }] }).bytes, /tensor 'a': ggml type 11 \(Q3_K\) is not one cria reads; it reads F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16/],
    ['an unknown ggml type', () => ggufBytes({ tensors: [{ name: 'a', type: 1234, ne: [1] }] }).bytes, /tensor 'a': ggml type 1234 \(unknown\) is not one cria reads; it reads F32, F16/],
    ['a row that is not whole blocks', () => ggufBytes({ tensors: [{ name: 'blk.0.attn_q.weight', type: 'Q4_K', ne: [100, 2] }] }).bytes, /^model\.gguf: tensor 'blk\.0\.attn_q\.weight' \(Q4_K\): last dimension 100 is not a multiple of the block size 256$/],
    ['an unaligned tensor offset', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [4], offset: 4 }], dataBytes: 64 }).bytes, /tensor 'a' \(F32\): data offset 4 is not a multiple of the alignment 32/],
    ['a tensor offset past the file', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [4], offset: 2n ** 63n }] }).bytes, /tensor 'a' \(F32, shape \[4\]\): data at offset 9223372036854775808 of the data section \(file bytes \d+\.\.\d+\) is past the end of the file/],
    ['tensor data past the end', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [4], offset: 32 }], dataBytes: 40 }).bytes, /tensor 'a' \(F32, shape \[4\]\): data at offset 32 of the data section \(file bytes 96\.\.112\) is past the end of the file \(104 bytes\)/],
    ['overlapping tensors', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [16] }, { name: 'b', type: 'F32', ne: [4], offset: 32 }] }).bytes, /tensor 'b' \(F32, shape \[4\]\): data at bytes 128\.\.144 overlaps tensor 'a' \(bytes 96\.\.160\)/],
    ['two tensors on the same bytes', () => ggufBytes({ tensors: [{ name: 'a', type: 'F32', ne: [4] }, { name: 'b', type: 'F32', ne: [4], offset: 0 }] }).bytes, /tensor 'b' .* overlaps tensor 'a'/],
  ])('%s', async (_, build, message) => {
    const error = await faultOf(build());
    expect(error.message).toMatch(message);
  });

  it('quotes names and strings boundedly, with control characters escaped', async () => {
    const long = 'x'.repeat(100_000);
    const error = await faultOf(ggufBytes({ metadata: [[`${long}`, gguf.uint8(1)], [long, gguf.uint8(2)]] }).bytes);
    expect(error.message).toBe(`${NAME}: metadata '${'x'.repeat(80)}…' appears twice`);
    const control = await faultOf(ggufBytes({ tensors: [{ name: "a'\n\u0000b", type: 'F32', ne: [0] }] }).bytes);
    expect(control.message).toBe(`${NAME}: tensor 'a\\'\\u000a\\u0000b': dimension ne[0] is 0 (dimensions must be at least 1)`);
  });

  it('decodes UTF-8 keys exactly', async () => {
    const metadata: GgufMetadata = new Map([['ключ.🦙', gguf.uint8(1)]]);
    const file = await read(ggufBytes({ metadata: [...metadata] }).bytes);
    expect(file.metadata).toEqual(metadata);
    expect(utf8.encode([...file.metadata.keys()][0]!).byteLength).toBe(13);
  });
});
