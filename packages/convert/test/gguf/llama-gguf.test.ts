// writeLlamaGguf: the q/k permutation against numpy's reshape/swapaxes semantics and against RoPE itself
// (attention scores equal under HF's rotate-half and llama.cpp's interleaved RoPE), bounded reads, size labels,
// and hostile arguments refused with errors that name the argument or file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, FileFormatError, bytesSource, countingSource, writeSafetensors } from '@cria/core';
import { fixture, seededRandom } from '@cria/core/testing';
import { type HfTensor, type LlamaGgufSource, llamaGgufTensors, sizeLabel, writeLlamaGguf } from '../../src/index.js';
import { CHUNK_BYTES } from '../../src/gguf/llama-tensors.js';
import { parseGguf, tensorBytes } from './read-gguf.js';

const out = mkdtempSync(join(tmpdir(), 'cria-gguf-llama-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** numpy: w.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).reshape(rows, cols), element by element. */
function numpyPermute(w: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const half = rows / heads / 2;
  const outArr = new Float32Array(w.length);
  let k = 0;
  for (let h = 0; h < heads; h++) for (let i = 0; i < half; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < cols; c++) {
    outArr[k++] = w[((h * 2 + j) * half + i) * cols + c]!;
  }
  return outArr;
}

const TINY = {
  architectures: ['LlamaForCausalLM'], vocab_size: 512, hidden_size: 8, intermediate_size: 12, num_hidden_layers: 1,
  num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 64, rms_norm_eps: 1e-5, tie_word_embeddings: true,
  bos_token_id: 1, eos_token_id: 2,
};
const SHAPES: Record<string, number[]> = {
  'model.embed_tokens.weight': [512, 8],
  'model.layers.0.input_layernorm.weight': [8],
  'model.layers.0.mlp.down_proj.weight': [8, 12],
  'model.layers.0.mlp.gate_proj.weight': [12, 8],
  'model.layers.0.mlp.up_proj.weight': [12, 8],
  'model.layers.0.post_attention_layernorm.weight': [8],
  'model.layers.0.self_attn.k_proj.weight': [4, 8],
  'model.layers.0.self_attn.o_proj.weight': [8, 8],
  'model.layers.0.self_attn.q_proj.weight': [8, 8],
  'model.layers.0.self_attn.v_proj.weight': [4, 8],
  'model.norm.weight': [8],
};

function tinySource(values: (name: string, n: number) => Float32Array = (_n, n) => Float32Array.from({ length: n }, seededRandom(7))): { source: LlamaGgufSource; data: Map<string, Float32Array> } {
  const data = new Map<string, Float32Array>();
  const tensors: HfTensor[] = Object.entries(SHAPES).map(([name, shape]) => {
    const v = values(name, shape.reduce((a, b) => a * b, 1));
    data.set(name, v);
    return { name, dtype: 'float32', shape, source: bytesSource(new Uint8Array(v.buffer), name), offset: 0 };
  });
  const tokenizer = { 'tokenizer.model': new Uint8Array(readFileSync(fixture('tokenizers', 'tok512', 'tokenizer.model'))) };
  return { source: { config: TINY, tensors, tokenizer, name: 'tiny' }, data };
}

const f32 = (b: Uint8Array) => new Float32Array(b.slice().buffer);

describe('q and k rows: HF rotate-half -> GGUF interleaved', () => {
  it("equal numpy's reshape(heads, 2, half, cols).swapaxes(1, 2) (q with num_attention_heads, k with num_key_value_heads)", async () => {
    const { source, data } = tinySource((_name, n) => Float32Array.from({ length: n }, (_, i) => i));
    const path = join(out, 'permute.gguf');
    await writeLlamaGguf(source, path, { dtype: 'float32' });
    const file = parseGguf(new Uint8Array(readFileSync(path)));
    expect(f32(tensorBytes(file, 'blk.0.attn_q.weight'))).toEqual(numpyPermute(data.get('model.layers.0.self_attn.q_proj.weight')!, 8, 8, 2));
    expect(f32(tensorBytes(file, 'blk.0.attn_k.weight'))).toEqual(numpyPermute(data.get('model.layers.0.self_attn.k_proj.weight')!, 4, 8, 1));
    expect(f32(tensorBytes(file, 'blk.0.attn_v.weight'))).toEqual(data.get('model.layers.0.self_attn.v_proj.weight'));
    // rows 0..3 of a head of 4: HF 0,1 | 2,3 (halves) -> GGUF 0,2,1,3 (pairs)
    expect([...f32(tensorBytes(file, 'blk.0.attn_k.weight')).filter((_, i) => i % 8 === 0)]).toEqual([0, 16, 8, 24]);
  });

  it("keep attention scores: HF's rotate-half RoPE on HF rows = llama.cpp's interleaved RoPE on GGUF rows", async () => {
    const { source, data } = tinySource();
    const path = join(out, 'rope.gguf');
    await writeLlamaGguf(source, path, { dtype: 'float32' });
    const file = parseGguf(new Uint8Array(readFileSync(path)));
    const headDim = 4, theta = 10000;
    const matvec = (w: Float32Array, rows: number, x: Float64Array) => Float64Array.from({ length: rows }, (_, r) => x.reduce((s, xi, c) => s + w[r * x.length + c]! * xi, 0));
    const angle = (pos: number, i: number) => pos * Math.pow(theta, (-2 * i) / headDim);
    const ropeHalf = (v: Float64Array, pos: number) => v.map((_, r) => {
      const h = Math.floor(r / headDim) * headDim, d = r % headDim, half = headDim / 2, i = d % half, a = angle(pos, i);
      return d < half ? v[h + d]! * Math.cos(a) - v[h + d + half]! * Math.sin(a) : v[h + d]! * Math.cos(a) + v[h + d - half]! * Math.sin(a);
    });
    const ropeInterleaved = (v: Float64Array, pos: number) => v.map((_, r) => {
      const h = Math.floor(r / headDim) * headDim, d = r % headDim, i = Math.floor(d / 2), a = angle(pos, i);
      return d % 2 === 0 ? v[h + d]! * Math.cos(a) - v[h + d + 1]! * Math.sin(a) : v[h + d]! * Math.cos(a) + v[h + d - 1]! * Math.sin(a);
    });
    const rnd = seededRandom(3);
    const x = Float64Array.from({ length: 8 }, () => rnd() - 0.5), y = Float64Array.from({ length: 8 }, () => rnd() - 0.5);
    const score = (q: Float64Array, k: Float64Array, qHead: number) => k.reduce((s, kv, d) => s + q[qHead * headDim + d]! * kv, 0);
    for (const [pq, pk] of [[5, 2], [17, 17], [40, 3]] as const) {
      const qHf = ropeHalf(matvec(data.get('model.layers.0.self_attn.q_proj.weight')!, 8, x), pq);
      const kHf = ropeHalf(matvec(data.get('model.layers.0.self_attn.k_proj.weight')!, 4, y), pk);
      const qGguf = ropeInterleaved(matvec(f32(tensorBytes(file, 'blk.0.attn_q.weight')), 8, x), pq);
      const kGguf = ropeInterleaved(matvec(f32(tensorBytes(file, 'blk.0.attn_k.weight')), 4, y), pk);
      for (const head of [0, 1]) expect(score(qGguf, kGguf, head)).toBeCloseTo(score(qHf, kHf, head), 12);
    }
  });

  it('permutes biases too, and reads a large tensor in bounded chunks of whole heads', async () => {
    const rows = 4096, cols = 1024, heads = 32;
    const w = Float32Array.from({ length: rows * cols }, (_, i) => i % 9973);
    const counting = countingSource(bytesSource(new Uint8Array(w.buffer), 'q'));
    const bias = Float32Array.from({ length: rows }, (_, i) => i);
    const [q, b] = llamaGgufTensors([
      { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'float32', shape: [rows, cols], source: counting, offset: 0 },
      { name: 'model.layers.0.self_attn.q_proj.bias', dtype: 'float32', shape: [rows], source: bytesSource(new Uint8Array(bias.buffer), 'b'), offset: 0 },
    ], { outType: 'F32', numLayers: 1, numAttentionHeads: heads, numKeyValueHeads: 8, tied: false });
    const chunks: Uint8Array[] = [];
    for await (const chunk of q!.data()) chunks.push(chunk);
    expect(Math.max(...counting.reads.map((r) => r.length))).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(counting.reads.every((r) => r.offset % ((rows / heads) * cols * 4) === 0)).toBe(true);
    expect(counting.bytesRead).toBe(w.byteLength);
    const all = new Uint8Array(w.byteLength);
    let at = 0;
    for (const c of chunks) (all.set(c, at), (at += c.byteLength));
    expect(Buffer.compare(all, new Uint8Array(numpyPermute(w, rows, cols, heads).buffer))).toBe(0);
    expect(b!.type).toBe('F32');
    const biasOut: Uint8Array[] = [];
    for await (const chunk of b!.data()) biasOut.push(chunk);
    expect(f32(biasOut[0]!)).toEqual(numpyPermute(bias, rows, 1, heads));
  });
});

describe('writeLlamaGguf metadata', () => {
  it('sizeLabel as gguf-py', () => {
    expect(sizeLabel(20_000)).toBe('20K');
    expect(sizeLabel(260_000)).toBe('260K');
    expect(sizeLabel(109_530_000)).toBe('110M');
    expect(sizeLabel(1_235_814_400)).toBe('1.2B');
    expect(sizeLabel(8_030_261_248)).toBe('8.0B');
    expect(sizeLabel(999)).toBe('1.0K');
  });

  it('llama3 RoPE: rope_freqs first, no output tensor when tied, the keys llama.cpp reads', async () => {
    const { source } = tinySource();
    const config = { ...TINY, hidden_size: 8, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8 } };
    const path = join(out, 'llama3.gguf');
    await writeLlamaGguf({ ...source, config }, path, { dtype: 'bfloat16' });
    const file = parseGguf(new Uint8Array(readFileSync(path)));
    expect(file.tensors[0]!.name).toBe('rope_freqs.weight');
    expect(file.tensors.some((t) => t.name === 'output.weight')).toBe(false);
    expect(file.metadata.get('llama.rope.freq_base')!.value).toBe(500000);
    expect(file.metadata.get('general.file_type')!.value).toBe(32);
    expect(file.metadata.get('tokenizer.ggml.model')!.value).toBe('llama');
  });
});

describe('writeLlamaGguf refuses hostile arguments, naming them', () => {
  const base = () => tinySource().source;
  const path = () => join(out, 'hostile.gguf');
  it.each([
    ['outPath', () => writeLlamaGguf(base(), ''), /writeLlamaGguf: outPath must be a file path/],
    ['dtype', () => writeLlamaGguf(base(), path(), { dtype: 'int8' as 'float32' }), /writeLlamaGguf: dtype must be one of float32, float16, bfloat16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m, q5_k_m, q6_k, got int8/],
    ['input', () => writeLlamaGguf(null as unknown as string, path()), /writeLlamaGguf: input must be a model folder path or \{ config, tensors, tokenizer \}/],
    ['architectures', () => writeLlamaGguf({ ...base(), config: { ...TINY, architectures: ['MistralForCausalLM'] } }, path()), /config\.architectures is \["MistralForCausalLM"\]/],
    ['an unknown tensor', () => { const s = base(); return writeLlamaGguf({ ...s, tensors: [...s.tensors, { ...s.tensors[0]!, name: 'model.layers.0.foo.weight' }] }, path()); }, /cannot map tensor 'model\.layers\.0\.foo\.weight'/],
    ['q rows that are not whole heads', () => { const s = base(); return writeLlamaGguf({ ...s, config: { ...TINY, num_attention_heads: 3, head_dim: 4 } }, path()); }, /tensor 'model\.layers\.0\.self_attn\.q_proj\.weight' has 8 rows, not 3 heads/],
    ['no tokenizer', () => writeLlamaGguf({ ...base(), tokenizer: {} }, path()), /needs a SentencePiece tokenizer\.model or a byte-level BPE tokenizer\.json/],
    ['a tensor dtype', () => { const s = base(); return writeLlamaGguf({ ...s, tensors: [{ ...s.tensors[0]!, dtype: 'int32' as 'float32' }] }, path()); }, /tensor 'model\.embed_tokens\.weight' is int32/],
  ] as const)('%s', async (_label, call, message) => {
    await expect(call()).rejects.toThrow(ArgumentError);
    await expect(call()).rejects.toThrow(message);
  });

  it('a folder without config.json, a BPE tokenizer that is not Llama 3, a truncated weight file: errors name the file', async () => {
    const dir = join(out, 'folder');
    mkdirSync(dir, { recursive: true });
    await expect(writeLlamaGguf(dir, path())).rejects.toThrow(/config\.json is missing/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(TINY));
    const { data } = tinySource();
    await writeSafetensors(join(dir, 'model.safetensors'), Object.fromEntries([...data].map(([name, v]) => [name, { dtype: 'float32' as const, shape: SHAPES[name]!, data: v }])));
    const llama3 = JSON.parse(readFileSync(fixture('tokenizers', 'llama3', 'tokenizer.json'), 'utf8')) as { pre_tokenizer: unknown; model: { vocab: Record<string, number>; merges: unknown[] }; added_tokens: unknown[] };
    llama3.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
    llama3.model.vocab = Object.fromEntries(Object.entries(llama3.model.vocab).filter(([, id]) => id < 512));
    llama3.model.merges = [];
    llama3.added_tokens = [];
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(llama3));
    await expect(writeLlamaGguf(dir, path())).rejects.toThrow(FileFormatError);
    await expect(writeLlamaGguf(dir, path())).rejects.toThrow(/tokenizer\.json: the pre-tokenizer is not Llama 3's.*tokenizerPre/);
    await writeLlamaGguf(dir, path(), { tokenizerPre: 'gpt-2' });
    expect(parseGguf(new Uint8Array(readFileSync(path()))).metadata.get('tokenizer.ggml.pre')!.value).toBe('gpt-2');
    const weights = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), weights.subarray(0, weights.byteLength - 100));
    copyFileSync(fixture('tokenizers', 'tok512', 'tokenizer.model'), join(dir, 'tokenizer.model'));
    await expect(writeLlamaGguf(dir, path())).rejects.toThrow(/model\.safetensors/);
  });
});
