// writeGguf: every metadata value type and a custom alignment, byte for byte against gguf-py (golden/all-types.gguf),
// tensor data streamed in chunks, and hostile arguments refused with errors that name them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '@cria/core';
import { type GgufMetadata, type GgufTensor, type GgufValue, gguf, planGguf, writeGguf } from '../../src/index.js';
import { describeGguf, parseGguf, tensorBytes } from './read-gguf.js';

const out = mkdtempSync(join(tmpdir(), 'cria-gguf-writer-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function allTypes(): { metadata: GgufMetadata; tensors: GgufTensor[] } {
  const metadata: GgufMetadata = new Map<string, GgufValue>([
    ['general.architecture', gguf.string('test')],
    ['general.alignment', gguf.uint32(64)],
    ['t.u8', gguf.uint8(200)],
    ['t.i8', gguf.int8(-100)],
    ['t.u16', gguf.uint16(60000)],
    ['t.i16', gguf.int16(-30000)],
    ['t.u32', gguf.uint32(4000000000)],
    ['t.i32', gguf.int32(-2000000000)],
    ['t.f32', gguf.float32(0.1)],
    ['t.u64', gguf.uint64(2n ** 63n + 5n)],
    ['t.i64', gguf.int64(-(2n ** 62n) - 3n)],
    ['t.f64', gguf.float64(0.1)],
    ['t.bool', gguf.bool(true)],
    ['t.str', gguf.string('héllo ▁ 🦙')],
    ['t.arr.str', gguf.array('string', ['a', '', new TextEncoder().encode('ü'), '<|x|>'])],
    ['t.arr.i32', gguf.array('int32', [1, -2, 3])],
    ['t.arr.f32', gguf.array('float32', new Float32Array([0.5, -1.25]))],
    ['t.arr.bool', gguf.array('bool', [true, false])],
    ['t.arr.u8', gguf.array('uint8', new Uint8Array([0, 255]))],
    ['t.arr.i8', gguf.array('int8', [-128, 127])],
    ['t.arr.u16', gguf.array('uint16', [65535])],
    ['t.arr.i16', gguf.array('int16', [-32768])],
    ['t.arr.u32', gguf.array('uint32', [4294967295])],
    ['t.arr.u64', gguf.array('uint64', [2n ** 64n - 1n])],
    ['t.arr.i64', gguf.array('int64', [-(2n ** 63n)])],
    ['t.arr.f64', gguf.array('float64', [1e300, -0])],
  ]);
  const golden = parseGguf(new Uint8Array(readFileSync(join(import.meta.dirname, 'golden', 'all-types.gguf'))));
  const a = new Uint8Array(new Float32Array([-1.5, -0.5, 0.5]).buffer);
  // b and c: the f16 / bf16 bytes gguf-py wrote, fed back one byte at a time and in one piece
  const b = tensorBytes(golden, 'b').slice();
  const c = tensorBytes(golden, 'c').slice();
  const tensors: GgufTensor[] = [
    { name: 'a', type: 'F32', shape: [3], data: () => [a.subarray(0, 5), a.subarray(5)] },
    { name: 'b', type: 'F16', shape: [5, 3], data: async function* () { for (const byte of b) yield new Uint8Array([byte]); } },
    { name: 'c', type: 'BF16', shape: [7], data: () => [c] },
  ];
  return { metadata, tensors };
}

describe('writeGguf', () => {
  it('writes every value type, arrays of each and a custom alignment as gguf-py does, byte for byte', async () => {
    const { metadata, tensors } = allTypes();
    const path = join(out, 'all-types.gguf');
    const layout = await writeGguf(path, metadata, tensors);
    const expected = new Uint8Array(readFileSync(join(import.meta.dirname, 'golden', 'all-types.gguf')));
    const actual = new Uint8Array(readFileSync(path));
    expect(describeGguf(parseGguf(actual))).toEqual(describeGguf(parseGguf(expected)));
    expect(Buffer.compare(actual, expected)).toBe(0);
    expect(layout.alignment).toBe(64);
    expect(layout.tensors.map((t) => t.offset)).toEqual([0, 64, 128]);
    expect(layout.fileSize).toBe(actual.byteLength);
    expect(layout.header.byteLength % 64).toBe(0);
  });

  it('pads tensor data to 32 bytes by default, with zeros', async () => {
    const path = join(out, 'pad.gguf');
    const data = new Uint8Array(12).fill(7);
    await writeGguf(path, new Map([['general.architecture', gguf.string('x')]]), [
      { name: 'x', type: 'F32', shape: [3], data: () => [data] },
      { name: 'y', type: 'F16', shape: [1], data: () => [new Uint8Array([1, 2])] },
    ]);
    const file = parseGguf(new Uint8Array(readFileSync(path)));
    expect(file.dataOffset % 32).toBe(0);
    expect(file.tensors.map((t) => Number(t.offset))).toEqual([0, 32]);
    expect([...file.bytes.subarray(file.dataOffset + 12, file.dataOffset + 32)].every((b) => b === 0)).toBe(true);
    expect(file.bytes.byteLength).toBe(file.dataOffset + 64);
  });

  it('stores ggml dimensions innermost first', () => {
    const layout = planGguf(new Map(), [{ name: 'w', type: 'F32', shape: [2, 3, 5], data: () => [] }]);
    const file = parseGguf(new Uint8Array([...layout.header, ...new Uint8Array(32 * 4)]));
    expect(file.tensors[0]!.ne).toEqual([5n, 3n, 2n]);
  });
});

describe('writeGguf refuses hostile arguments, naming them', () => {
  const tensor = (over: Partial<GgufTensor> = {}): GgufTensor => ({ name: 'w', type: 'F32', shape: [2], data: () => [new Uint8Array(8)], ...over });
  const meta = (entries: [string, unknown][]) => new Map(entries) as GgufMetadata;
  const cases: [string, () => unknown, RegExp][] = [
    ['metadata not a Map', () => planGguf({} as GgufMetadata, []), /metadata must be a Map/],
    ['empty key', () => planGguf(meta([['', gguf.uint8(1)]]), []), /metadata keys must be non-empty/],
    ['uint8 out of range', () => planGguf(meta([['k.u8', gguf.uint8(300)]]), []), /'k\.u8' \(uint8\) must be an integer in \[0, 255\], got 300/],
    ['int32 not an integer', () => planGguf(meta([['k.i32', gguf.int32(1.5)]]), []), /'k\.i32' \(int32\).*got 1\.5/],
    ['uint64 negative', () => planGguf(meta([['k.u64', gguf.uint64(-1n)]]), []), /'k\.u64' \(uint64\)/],
    ['uint32 as bigint', () => planGguf(meta([['k.u32', { type: 'uint32', value: 5n }]]), []), /'k\.u32' \(uint32\)/],
    ['float32 a string', () => planGguf(meta([['k.f', { type: 'float32', value: 'x' }]]), []), /'k\.f' \(float32\) must be a number/],
    ['bool a number', () => planGguf(meta([['k.b', { type: 'bool', value: 1 }]]), []), /'k\.b' \(bool\) must be true or false/],
    ['string a number', () => planGguf(meta([['k.s', { type: 'string', value: 5 }]]), []), /'k\.s' \(string\) must be a string/],
    ['unknown type', () => planGguf(meta([['k.q', { type: 'q4', value: 5 }]]), []), /'k\.q'.*unknown GGUF value type "q4"/],
    ['value not an object', () => planGguf(meta([['k.n', 5]]), []), /'k\.n' must be a GGUF value/],
    ['array of arrays', () => planGguf(meta([['k.aa', { type: 'array', itemType: 'array', values: [] }]]), []), /'k\.aa': arrays of arrays/],
    ['array item of the wrong type', () => planGguf(meta([['k.a', gguf.array('uint8', [1, 2, 256])]]), []), /'k\.a'\[2\] \(uint8\)/],
    ['array without values', () => planGguf(meta([['k.a', { type: 'array', itemType: 'int32', values: null }]]), []), /'k\.a' \(array\) must have 'values'/],
    ['alignment not a power of two', () => planGguf(meta([['general.alignment', gguf.uint32(48)]]), []), /'general\.alignment' must be a uint32 power of two/],
    ['alignment of another type', () => planGguf(meta([['general.alignment', gguf.uint64(64)]]), []), /'general\.alignment' must be a uint32/],
    ['tensors not an array', () => planGguf(new Map(), {} as GgufTensor[]), /tensors must be an array/],
    ['tensor null', () => planGguf(new Map(), [null as unknown as GgufTensor]), /tensors\[0\] must be/],
    ['empty name', () => planGguf(new Map(), [tensor({ name: '' })]), /tensors\[0\]\.name must be a non-empty string/],
    ['name too long', () => planGguf(new Map(), [tensor({ name: 'x'.repeat(64) })]), /tensors\[0\]\.name 'x+' is 64 bytes; llama\.cpp takes at most 63/],
    ['unknown type', () => planGguf(new Map(), [tensor({ type: 'Q2_K' as 'F32' })]), /tensors\[0\]\.type of 'w' must be one of F32, F16, Q4_0, .*, BF16, got Q2_K/],
    ['rows not whole blocks', () => planGguf(new Map(), [tensor({ type: 'Q4_0', shape: [2, 48] })]), /tensors\[0\]\.shape of 'w' must have a last dimension that is a multiple of 32 for Q4_0/],
    ['no dimensions', () => planGguf(new Map(), [tensor({ shape: [] })]), /tensors\[0\]\.shape of 'w' must be an array of 1 to 4 dimensions/],
    ['five dimensions', () => planGguf(new Map(), [tensor({ shape: [1, 1, 1, 1, 1] })]), /tensors\[0\]\.shape of 'w' must be an array of 1 to 4/],
    ['zero dimension', () => planGguf(new Map(), [tensor({ shape: [2, 0] })]), /tensors\[0\]\.shape of 'w' must hold positive integers, got \[2, 0\]/],
    ['fractional dimension', () => planGguf(new Map(), [tensor({ shape: [1.5] })]), /tensors\[0\]\.shape of 'w' must hold positive integers/],
    ['huge shape', () => planGguf(new Map(), [tensor({ shape: [2 ** 30, 2 ** 30, 2 ** 30] })]), /tensors\[0\]\.shape of 'w' is too large/],
    ['data not a function', () => planGguf(new Map(), [tensor({ data: 5 as unknown as GgufTensor['data'] })]), /tensors\[0\]\.data of 'w' must be a function/],
    ['duplicate names', () => planGguf(new Map(), [tensor(), tensor()]), /tensor 'w' is given twice/],
  ];
  it.each(cases)('%s', (_label, call, message) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(message);
  });

  it('a path that is not a string', async () => {
    await expect(writeGguf('' as string, new Map(), [])).rejects.toThrow(/writeGguf: path must be a non-empty string/);
  });

  it.each([
    ['too few bytes', () => [new Uint8Array(4)], /tensor 'w' data gave 4 bytes, its shape and type need 8/],
    ['too many bytes', () => [new Uint8Array(8), new Uint8Array(1)], /tensor 'w' data gave more than its 8 bytes/],
    ['chunks that are not bytes', () => [[1, 2] as unknown as Uint8Array], /tensor 'w' data must yield Uint8Array chunks/],
  ] as const)('data that gives %s: refused, the partial file removed', async (_label, data, message) => {
    const path = join(out, 'bad.gguf');
    await expect(writeGguf(path, new Map(), [tensor({ data })])).rejects.toThrow(message);
    expect(existsSync(path)).toBe(false);
  });
});
