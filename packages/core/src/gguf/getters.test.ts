// The typed getters consumers read metadata with: each type accepted or refused with a FileFormatError naming the file
// and the key; optional variants give undefined for a missing key.
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { bytesSource } from '../io/byte-source.js';
import { ggufArray, ggufBool, ggufNumber, ggufOptionalArray, ggufOptionalBool, ggufOptionalNumber, ggufOptionalString, ggufString, ggufValue } from './getters.js';
import { readGguf } from './reader.js';
import { ggufBytes } from './test-builder.js';
import { type GgufMetadata, gguf } from './values.js';

const NAME = 'model.gguf';
const file = await readGguf(bytesSource(ggufBytes({
  metadata: [
    ['general.architecture', gguf.string('llama')],
    ['general.bytes', gguf.string(new Uint8Array([0xff]))],
    ['llama.block_count', gguf.uint32(22)],
    ['llama.rope.freq_base', gguf.float32(500000)],
    ['llama.eps', gguf.float64(1e-5)],
    ['i8', gguf.int8(-3)],
    ['u64', gguf.uint64(2n ** 53n - 1n)],
    ['i64', gguf.int64(-5n)],
    ['u64.big', gguf.uint64(2n ** 53n)],
    ['add_bos', gguf.bool(false)],
    ['tokens', gguf.array('string', ['a', 'b'])],
    ['scores', gguf.array('float32', new Float32Array([0.5]))],
    ['types', gguf.array('int32', new Int32Array([1, 3]))],
  ],
}).bytes, NAME));

const fault = (f: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FileFormatError);
  expect((error as FileFormatError).file).toBe(NAME);
  expect((error as Error).message).toMatch(message);
};

describe('GGUF metadata getters', () => {
  it('read strings, numbers of every type, bools and typed arrays', () => {
    expect(ggufString(file, 'general.architecture')).toBe('llama');
    expect(ggufNumber(file, 'llama.block_count')).toBe(22);
    expect(ggufNumber(file, 'llama.rope.freq_base')).toBe(500000);
    expect(ggufNumber(file, 'llama.eps')).toBe(1e-5);
    expect(ggufNumber(file, 'i8')).toBe(-3);
    expect(ggufNumber(file, 'u64')).toBe(2 ** 53 - 1);
    expect(ggufNumber(file, 'i64')).toBe(-5);
    expect(ggufBool(file, 'add_bos')).toBe(false);
    expect(ggufValue(file, 'add_bos')).toEqual(gguf.bool(false));
    const tokens: (string | Uint8Array)[] = ggufArray(file, 'tokens', 'string');
    expect(tokens).toEqual(['a', 'b']);
    const scores: Float32Array = ggufArray(file, 'scores', 'float32');
    expect(scores).toEqual(new Float32Array([0.5]));
    expect(ggufArray(file, 'types')).toEqual(new Int32Array([1, 3]));
  });

  it('optional variants give undefined for a missing key, the value otherwise', () => {
    expect(ggufOptionalString(file, 'nope')).toBeUndefined();
    expect(ggufOptionalNumber(file, 'nope')).toBeUndefined();
    expect(ggufOptionalBool(file, 'nope')).toBeUndefined();
    expect(ggufOptionalArray(file, 'nope')).toBeUndefined();
    expect(ggufOptionalArray(file, 'nope', 'int32')).toBeUndefined();
    expect(ggufOptionalString(file, 'general.architecture')).toBe('llama');
    expect(ggufOptionalNumber(file, 'llama.block_count')).toBe(22);
    expect(ggufOptionalBool(file, 'add_bos')).toBe(false);
    expect(ggufOptionalArray(file, 'types', 'int32')).toEqual(new Int32Array([1, 3]));
  });

  it('refuse a missing key or a value of the wrong type, naming the file and the key', () => {
    fault(() => ggufString(file, 'general.name'), /^model\.gguf: metadata 'general\.name' is missing$/);
    fault(() => ggufNumber(file, 'llama.context_length'), /metadata 'llama\.context_length' is missing/);
    fault(() => ggufBool(file, 'x'), /metadata 'x' is missing/);
    fault(() => ggufArray(file, 'x', 'string'), /metadata 'x' is missing/);
    fault(() => ggufValue(file, 'x'), /metadata 'x' is missing/);
    fault(() => ggufString(file, 'llama.block_count'), /metadata 'llama\.block_count' must be a string, got uint32 22/);
    fault(() => ggufString(file, 'general.bytes'), /metadata 'general\.bytes' is not valid UTF-8/);
    fault(() => ggufNumber(file, 'general.architecture'), /metadata 'general\.architecture' must be a number \(an integer or float type\), got string 'llama'/);
    fault(() => ggufNumber(file, 'add_bos'), /must be a number \(an integer or float type\), got bool false/);
    fault(() => ggufNumber(file, 'types'), /must be a number \(an integer or float type\), got array of 2 int32/);
    fault(() => ggufNumber(file, 'u64.big'), /metadata 'u64\.big' \(uint64 9007199254740992\) is too large for a JavaScript number/);
    fault(() => ggufBool(file, 'llama.block_count'), /metadata 'llama\.block_count' must be a bool, got uint32 22/);
    fault(() => ggufArray(file, 'llama.block_count'), /metadata 'llama\.block_count' must be an array, got uint32 22/);
    fault(() => ggufArray(file, 'scores', 'int32'), /metadata 'scores' must be an array of int32, got array of 1 float32/);
    fault(() => ggufOptionalNumber(file, 'tokens'), /must be a number/);
  });

  it('give arrays of hand-built metadata in the classes readGguf gives', () => {
    const metadata: GgufMetadata = new Map([['a', gguf.array('uint32', [1, 2])], ['b', gguf.array('int64', [3])]]);
    const built = { file: 'built', metadata };
    expect(ggufArray(built, 'a', 'uint32')).toEqual(new Uint32Array([1, 2]));
    expect(ggufArray(built, 'b', 'int64')).toEqual(new BigInt64Array([3n]));
  });
});
