// @cria/core's readGguf on what this package writes (writeGguf, writeLlamaGguf on the llama2c-260k fixture) and on
// the files gguf-py writes (the writer's goldens): metadata as written, tensor infos as the writer laid them out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GGML_TYPE, GGUF_VALUE_TYPE, type GgufFile, type GgufScalar, type GgufValue, fileSource, ggufNumber, ggufString, readGguf, readSafetensorsHeader } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { type ParsedGguf, type ParsedValue, describeGguf, parseGguf } from '../../test/gguf/read-gguf.js';
import { type FloatDType, type GgufMetadata, type GgufTensor, gguf, planGguf, writeGguf, writeLlamaGguf } from '../index.js';

const out = mkdtempSync(join(tmpdir(), 'cria-gguf-reader-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const golden = (name: string) => join(import.meta.dirname, '..', '..', 'test', 'gguf', 'golden', name);

async function readFile(path: string): Promise<GgufFile> {
  const source = await fileSource(path);
  try {
    return await readGguf(source);
  } finally {
    await source.close();
  }
}

const BIG = new Set(['uint64', 'int64']);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Bytes of a string value as the reader gives them: text when they are UTF-8, else the bytes. */
function text(bytes: Uint8Array): string | number[] {
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes];
  }
}

/**
 * A value as plain data: arrays as plain arrays, 64-bit integers as bigint (the writer takes numbers for them too),
 * string bytes as text when they are UTF-8.
 */
function plain(value: GgufValue): unknown {
  const scalar = (type: string, v: GgufScalar) => (BIG.has(type) ? BigInt(v as number | bigint) : v instanceof Uint8Array ? text(v) : v);
  if (value.type === 'array') return { type: 'array', itemType: value.itemType, values: Array.from(value.values, (v) => scalar(value.itemType, v)) };
  return { type: value.type, value: scalar(value.type, value.value) };
}
const plainMetadata = (metadata: GgufMetadata) => [...metadata].map(([k, v]) => [k, plain(v)]);

/** readGguf's file described the way the test helper parseGguf describes one (read-gguf.ts: an independent reader). */
function describeRead(file: GgufFile): string[] {
  const parsedLike: ParsedGguf = {
    version: file.version,
    metadata: new Map([...file.metadata].map(([k, v]) => [k, v.type === 'array'
      ? { type: GGUF_VALUE_TYPE.array, itemType: GGUF_VALUE_TYPE[v.itemType], value: Array.from(v.values) as ParsedValue[] }
      : { type: GGUF_VALUE_TYPE[v.type], value: v.value as ParsedValue }])),
    tensors: file.tensors.map((t) => ({ name: t.name, ne: [...t.shape].reverse().map(BigInt), type: GGML_TYPE[t.type], offset: BigInt(t.offset - file.dataOffset) })),
    alignment: file.alignment,
    dataOffset: file.dataOffset,
    bytes: new Uint8Array(0),
  };
  return describeGguf(parsedLike);
}

/** convert_hf_to_gguf.py's names for a Llama checkpoint's tensors (written out here, not taken from the writer). */
function ggufName(hf: string): string {
  const layer = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(hf);
  if (layer) {
    const part = { 'self_attn.q_proj': 'attn_q', 'self_attn.k_proj': 'attn_k', 'self_attn.v_proj': 'attn_v', 'self_attn.o_proj': 'attn_output', 'mlp.gate_proj': 'ffn_gate', 'mlp.up_proj': 'ffn_up', 'mlp.down_proj': 'ffn_down', input_layernorm: 'attn_norm', post_attention_layernorm: 'ffn_norm' }[layer[2]!];
    if (part) return `blk.${layer[1]}.${part}.weight`;
  }
  const top = { 'model.embed_tokens.weight': 'token_embd.weight', 'model.norm.weight': 'output_norm.weight', 'lm_head.weight': 'output.weight' }[hf];
  if (top) return top;
  throw new Error(`no GGUF name for ${hf}`);
}

/** The tensor infos a layout from the writer promises, with the shapes and types it was given. */
function planned(layout: { header: Uint8Array; tensors: { name: string; offset: number; byteLength: number }[] }, tensors: readonly Pick<GgufTensor, 'name' | 'type' | 'shape'>[]) {
  return layout.tensors.map((t, i) => ({ name: t.name, type: tensors[i]!.type, shape: [...tensors[i]!.shape], offset: layout.header.byteLength + t.offset, byteLength: t.byteLength }));
}

describe('readGguf reads what writeGguf writes', () => {
  it('every value type, arrays of each, a custom alignment and every tensor type', async () => {
    const metadata: GgufMetadata = new Map<string, GgufValue>([
      ['general.architecture', gguf.string('test')],
      ['general.alignment', gguf.uint32(64)],
      ['t.u8', gguf.uint8(200)],
      ['t.i8', gguf.int8(-100)],
      ['t.u16', gguf.uint16(60000)],
      ['t.i16', gguf.int16(-30000)],
      ['t.u32', gguf.uint32(4000000000)],
      ['t.i32', gguf.int32(-2000000000)],
      ['t.f32', gguf.float32(0.5)],
      ['t.u64', gguf.uint64(2n ** 63n + 5n)],
      ['t.u64.number', gguf.uint64(12345)],
      ['t.i64', gguf.int64(-(2n ** 62n) - 3n)],
      ['t.f64', gguf.float64(0.1)],
      ['t.bool', gguf.bool(true)],
      ['t.str', gguf.string('héllo ▁ 🦙')],
      ['t.bytes', gguf.string(new Uint8Array([0xc3, 0x28]))],
      ['t.arr.str', gguf.array('string', ['a', '', new TextEncoder().encode('ü'), new Uint8Array([0xff]), '<|x|>'])],
      ['t.arr.i32', gguf.array('int32', [1, -2, 3])],
      ['t.arr.f32', gguf.array('float32', new Float32Array([0.5, -1.25]))],
      ['t.arr.bool', gguf.array('bool', [true, false])],
      ['t.arr.u8', gguf.array('uint8', new Uint8Array([0, 255]))],
      ['t.arr.i8', gguf.array('int8', [-128, 127])],
      ['t.arr.u16', gguf.array('uint16', [65535])],
      ['t.arr.i16', gguf.array('int16', [-32768])],
      ['t.arr.u32', gguf.array('uint32', [4294967295])],
      ['t.arr.u64', gguf.array('uint64', [2n ** 64n - 1n, 7])],
      ['t.arr.i64', gguf.array('int64', [-(2n ** 63n)])],
      ['t.arr.f64', gguf.array('float64', [1e300, -0])],
      ['t.arr.empty', gguf.array('string', [])],
    ]);
    const shapes: [GgufTensor['type'], number[]][] = [
      ['F32', [3]], ['F16', [5, 3]], ['BF16', [2, 1, 7]], ['Q4_0', [2, 32]], ['Q4_1', [64]], ['Q5_0', [1, 1, 1, 32]], ['Q5_1', [32]],
      ['Q8_0', [3, 64]], ['Q4_K', [2, 256]], ['Q5_K', [256]], ['Q6_K', [1, 512]],
    ];
    const tensors: GgufTensor[] = shapes.map(([type, shape], i) => ({
      name: `t${i}.${type.toLowerCase()}`,
      type,
      shape,
      data: () => [new Uint8Array(planGguf(new Map(), [{ name: 'x', type, shape, data: () => [] }]).tensors[0]!.byteLength).fill(i)],
    }));
    const path = join(out, 'all-types.gguf');
    const layout = await writeGguf(path, metadata, tensors);
    const file = await readFile(path);
    expect(file.file).toBe(path);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(64);
    expect(file.dataOffset).toBe(layout.header.byteLength);
    expect(file.fileSize).toBe(layout.fileSize);
    expect(plainMetadata(file.metadata)).toEqual(plainMetadata(metadata));
    expect(file.tensors).toEqual(planned(layout, tensors));
    // the data is where the infos say
    const bytes = new Uint8Array(readFileSync(path));
    for (const [i, t] of file.tensors.entries()) expect(bytes.subarray(t.offset, t.offset + t.byteLength).every((b) => b === i)).toBe(true);
  });
});

describe('readGguf reads what writeLlamaGguf writes', () => {
  it.each<FloatDType>(['float32', 'float16', 'bfloat16'])('llama2c-260k as %s: metadata as an independent reader sees it, tensors as laid out and shaped as in the checkpoint', async (dtype) => {
    const model = fixture('models', 'llama2c-260k');
    const path = join(out, `llama2c-260k.${dtype}.gguf`);
    const result = await writeLlamaGguf(model, path, { dtype });
    const file = await readFile(path);
    expect(describeRead(file)).toEqual(describeGguf(parseGguf(new Uint8Array(readFileSync(path)))));
    expect(ggufString(file, 'general.architecture')).toBe('llama');
    expect(ggufNumber(file, 'llama.block_count')).toBe(5);
    expect(ggufNumber(file, 'llama.embedding_length')).toBe(64);
    expect(file.dataOffset).toBe(result.header.byteLength);
    expect(file.fileSize).toBe(result.fileSize);
    expect(file.alignment).toBe(result.alignment);
    expect(file.tensors.map((t) => ({ name: t.name, offset: t.offset - file.dataOffset, byteLength: t.byteLength }))).toEqual(result.tensors);

    // shapes: the checkpoint's (GGUF keeps them row-major once ne is reversed); 2-D weights in the asked type, the rest F32
    const source = await fileSource(join(model, 'model.safetensors'));
    const header = await readSafetensorsHeader(source).finally(() => source.close());
    const expected = new Map(header.tensors.map((t) => [ggufName(t.name), t.shape]));
    const weightType = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' }[dtype];
    for (const t of file.tensors) {
      expect(t.shape, t.name).toEqual(expected.get(t.name));
      expect(t.type, t.name).toBe(t.shape.length === 2 ? weightType : 'F32');
    }
    expect(file.tensors.length).toBe(expected.size);
  });
});

describe('readGguf reads what gguf-py writes (the writer goldens)', () => {
  it.each(['all-types.gguf', 'tiny-spm.bf16.gguf'])('%s', async (name) => {
    const file = await readFile(golden(name));
    const parsed = parseGguf(new Uint8Array(readFileSync(golden(name))));
    expect(describeRead(file)).toEqual(describeGguf(parsed));
    expect(file.dataOffset).toBe(parsed.dataOffset);
    for (const [i, t] of file.tensors.entries()) expect(t.offset).toBe(parsed.dataOffset + Number(parsed.tensors[i]!.offset));
  });
});
