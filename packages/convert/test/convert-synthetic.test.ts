// Synthetic Meta checkpoints written with the project's torch.save-style writer: every element
// encodes where it came from, so the merged/permuted output is checked against a naive, literal
// reading of the seed script's torch code (cat, view/transpose/reshape).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float32ToBfloat16 } from '@cria/core';
import { convertMetaCheckpoint, createPytorchCheckpointWriter, openPytorchCheckpoint, type LlamaVersion } from '../src/index.js';
import { readSafetensorsRaw } from './read-safetensors.js';

const work = mkdtempSync(join(tmpdir(), 'cria-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Model {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  hidden: number;
  vocab: number;
}

/** Value of element (r, c) of tensor `t` in shard `s`: unique and exact in float32. */
const code = (t: number, s: number, r: number, c: number) => t * 1e6 + s * 1e5 + r * 100 + c;

/** The Meta per-shard shapes and merge dims, as Meta's model-parallel layers split them. */
function metaTensors(m: Model, shards: number, version: LlamaVersion) {
  const hd = m.dim / m.heads;
  const v3 = version.startsWith('3');
  const list: { name: string; shape: number[] }[] = [
    { name: 'tok_embeddings.weight', shape: v3 ? [m.vocab / shards, m.dim] : [m.vocab, m.dim / shards] },
    { name: 'norm.weight', shape: [m.dim] },
    { name: 'output.weight', shape: [m.vocab / shards, m.dim] },
    { name: 'rope.freqs', shape: [hd / 2] },
  ];
  for (let l = 0; l < m.layers; l++) {
    list.push(
      { name: `layers.${l}.attention.wq.weight`, shape: [m.dim / shards, m.dim] },
      { name: `layers.${l}.attention.wk.weight`, shape: [(m.kvHeads * hd) / shards, m.dim] },
      { name: `layers.${l}.attention.wv.weight`, shape: [(m.kvHeads * hd) / shards, m.dim] },
      { name: `layers.${l}.attention.wo.weight`, shape: [m.dim, m.dim / shards] },
      { name: `layers.${l}.feed_forward.w1.weight`, shape: [m.hidden / shards, m.dim] },
      { name: `layers.${l}.feed_forward.w2.weight`, shape: [m.dim, m.hidden / shards] },
      { name: `layers.${l}.feed_forward.w3.weight`, shape: [m.hidden / shards, m.dim] },
      { name: `layers.${l}.attention_norm.weight`, shape: [m.dim] },
      { name: `layers.${l}.ffn_norm.weight`, shape: [m.dim] },
    );
  }
  return list;
}

async function writeMeta(dir: string, m: Model, shards: number, version: LlamaVersion, params: Record<string, unknown>) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
  const tensors = metaTensors(m, shards, version);
  for (let s = 0; s < shards; s++) {
    const w = await createPytorchCheckpointWriter(join(dir, `consolidated.${String(s).padStart(2, '0')}.pth`), tensors.map((t) => ({ ...t, dtype: 'float32' as const })));
    for (const [t, { name, shape }] of tensors.entries()) {
      const [rows, cols] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
      const data = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = code(t, s, r, c);
      await w.write(name, new Uint8Array(data.buffer));
    }
    await w.close();
  }
  return tensors;
}

/** Naive reference: read every shard whole, then torch.cat and the script's permute, literally. */
async function reference(dir: string, shards: number, source: string, merge: 'first' | 0 | 1, permuteHeads?: number): Promise<{ shape: number[]; data: Float32Array }> {
  const pieces: { shape: number[]; data: Float32Array }[] = [];
  for (let s = 0; s < (merge === 'first' ? 1 : shards); s++) {
    const ckpt = await openPytorchCheckpoint(join(dir, `consolidated.${String(s).padStart(2, '0')}.pth`));
    pieces.push({ shape: [...ckpt.info(source).shape], data: new Float32Array((await ckpt.getBytes(source)).buffer) });
    await ckpt.close();
  }
  let { shape, data } = pieces[0]!;
  if (merge === 0 || merge === 1) {
    const rows = merge === 0 ? pieces.reduce((n, p) => n + p.shape[0]!, 0) : shape[0]!;
    const cols = merge === 1 ? pieces.reduce((n, p) => n + p.shape[1]!, 0) : shape[1]!;
    const out = new Float32Array(rows * cols);
    let r0 = 0;
    let c0 = 0;
    for (const p of pieces) {
      for (let r = 0; r < p.shape[0]!; r++) for (let c = 0; c < p.shape[1]!; c++) out[(r0 + r) * cols + c0 + c] = p.data[r * p.shape[1]! + c]!;
      if (merge === 0) r0 += p.shape[0]!;
      else c0 += p.shape[1]!;
    }
    shape = [rows, cols];
    data = out;
  }
  if (permuteHeads !== undefined) {
    // w.view(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(1, 2).reshape(dim1, dim2)
    const [dim1, dim2] = shape as [number, number];
    const half = dim1 / permuteHeads / 2;
    const out = new Float32Array(dim1 * dim2);
    for (let h = 0; h < permuteHeads; h++)
      for (let a = 0; a < half; a++)
        for (let b = 0; b < 2; b++)
          for (let c = 0; c < dim2; c++) {
            const src = ((h * half + a) * 2 + b) * dim2 + c; // view index [h, a, b, c]
            const dst = ((h * 2 + b) * half + a) * dim2 + c; // after transpose(1, 2): [h, b, a, c]
            out[dst] = data[src]!;
          }
    data = out;
  }
  return { shape, data };
}

async function checkAgainstReference(dir: string, out: string, m: Model, shards: number, version: LlamaVersion) {
  const actual = readSafetensorsRaw(join(out, 'model.safetensors')).tensors;
  const sharded = shards > 1;
  const expectTensor = async (hf: string, source: string, merge: 'first' | 0 | 1, permuteHeads?: number) => {
    const want = await reference(dir, shards, source, sharded ? merge : 'first', permuteHeads);
    const got = actual.get(hf);
    expect(got, hf).toBeDefined();
    expect(got!.dtype).toBe('F32');
    expect(got!.shape, hf).toEqual(want.shape.length === 2 && want.shape[0] === 1 && hf.endsWith('norm.weight') ? [want.shape[1]] : want.shape);
    expect(Array.from(new Float32Array(got!.bytes.slice().buffer)), hf).toEqual(Array.from(want.data));
  };
  await expectTensor('model.embed_tokens.weight', 'tok_embeddings.weight', version.startsWith('3') ? 0 : 1);
  await expectTensor('model.norm.weight', 'norm.weight', 'first');
  if (version !== '3.2') await expectTensor('lm_head.weight', 'output.weight', 0);
  for (let l = 0; l < m.layers; l++) {
    await expectTensor(`model.layers.${l}.self_attn.q_proj.weight`, `layers.${l}.attention.wq.weight`, 0, m.heads);
    await expectTensor(`model.layers.${l}.self_attn.k_proj.weight`, `layers.${l}.attention.wk.weight`, 0, m.kvHeads);
    await expectTensor(`model.layers.${l}.self_attn.v_proj.weight`, `layers.${l}.attention.wv.weight`, 0);
    await expectTensor(`model.layers.${l}.self_attn.o_proj.weight`, `layers.${l}.attention.wo.weight`, 1);
    await expectTensor(`model.layers.${l}.mlp.gate_proj.weight`, `layers.${l}.feed_forward.w1.weight`, 0);
    await expectTensor(`model.layers.${l}.mlp.down_proj.weight`, `layers.${l}.feed_forward.w2.weight`, 1);
    await expectTensor(`model.layers.${l}.mlp.up_proj.weight`, `layers.${l}.feed_forward.w3.weight`, 0);
    await expectTensor(`model.layers.${l}.input_layernorm.weight`, `layers.${l}.attention_norm.weight`, 'first');
    await expectTensor(`model.layers.${l}.post_attention_layernorm.weight`, `layers.${l}.ffn_norm.weight`, 'first');
  }
  expect(actual.size).toBe(3 + 9 * m.layers - (version === '3.2' ? 1 : 0));
}

const model: Model = { dim: 32, layers: 2, heads: 8, kvHeads: 4, hidden: 96, vocab: 64 };
const params = { dim: 32, n_layers: 2, n_heads: 8, n_kv_heads: 4, multiple_of: 32, ffn_dim_multiplier: 1.0, norm_eps: 1e-5, vocab_size: -1 };

describe('merging model-parallel shards and permuting q/k, against a naive reference', () => {
  for (const [version, shards] of [['2', 4], ['3', 4], ['1', 1], ['3.2', 2]] as const) {
    it(`version ${version}, ${shards} shard(s), grouped-query heads`, async () => {
      const dir = join(work, `v${version}-mp${shards}`);
      await writeMeta(dir, model, shards, version, params);
      const out = join(dir, 'hf');
      await convertMetaCheckpoint({ inputDir: dir, outputDir: out, llamaVersion: version, torchDtype: 'float32' });
      await checkAgainstReference(dir, out, model, shards, version);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config.tie_word_embeddings).toBe(version === '3.2');
      expect(config.vocab_size).toBe(model.vocab);
      expect(config.num_key_value_heads).toBe(4);
    });
  }

  it('casts float32 weights to bfloat16 with round-to-nearest-even', async () => {
    const dir = join(work, 'v2-mp4');
    const out = join(work, 'v2-mp4-bf16');
    await convertMetaCheckpoint({ inputDir: dir, outputDir: out, llamaVersion: '2' });
    const f32 = readSafetensorsRaw(join(dir, 'hf', 'model.safetensors')).tensors;
    const bf16 = readSafetensorsRaw(join(out, 'model.safetensors')).tensors;
    for (const [name, t] of bf16) {
      expect(t.dtype).toBe('BF16');
      const want = Array.from(new Float32Array(f32.get(name)!.bytes.slice().buffer), (v) => float32ToBfloat16(v));
      expect(Array.from(new Uint16Array(t.bytes.slice().buffer)), name).toEqual(want);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.torch_dtype).toBe('bfloat16');
  });

  it('writes pytorch_model.bin with --safe_serialization false, readable by the safe reader', async () => {
    const dir = join(work, 'v2-mp4');
    const out = join(work, 'v2-mp4-bin');
    const result = await convertMetaCheckpoint({ inputDir: dir, outputDir: out, llamaVersion: '2', torchDtype: 'float32', safeSerialization: false });
    expect(result.files).toContain('pytorch_model.bin');
    const bin = await openPytorchCheckpoint(join(out, 'pytorch_model.bin'));
    const f32 = readSafetensorsRaw(join(dir, 'hf', 'model.safetensors')).tensors;
    expect(bin.keys().sort()).toEqual([...f32.keys()].sort());
    for (const name of bin.keys()) expect(Buffer.from(await bin.getBytes(name)).equals(Buffer.from(f32.get(name)!.bytes)), name).toBe(true);
    await bin.close();

    // sharded .bin with an index under a small max_shard_size
    const shardedOut = join(work, 'v2-mp4-bin-sharded');
    const sharded = await convertMetaCheckpoint({ inputDir: dir, outputDir: shardedOut, llamaVersion: '2', torchDtype: 'float32', safeSerialization: false, maxShardSize: '10KB' });
    const index = JSON.parse(readFileSync(join(shardedOut, 'pytorch_model.bin.index.json'), 'utf8')) as { weight_map: Record<string, string>; metadata: { total_size: number } };
    const shardFiles = [...new Set(Object.values(index.weight_map))].sort();
    expect(shardFiles.length).toBeGreaterThan(1);
    expect(sharded.files).toContain('pytorch_model.bin.index.json');
    expect(shardFiles[0]).toMatch(/^pytorch_model-00001-of-000\d\d\.bin$/);
    let total = 0;
    for (const file of shardFiles) {
      const part = await openPytorchCheckpoint(join(shardedOut, file));
      for (const name of part.keys()) {
        expect(index.weight_map[name]).toBe(file);
        const bytes = await part.getBytes(name);
        total += bytes.byteLength;
        expect(Buffer.from(bytes).equals(Buffer.from(f32.get(name)!.bytes)), name).toBe(true);
      }
      await part.close();
    }
    expect(total).toBe(index.metadata.total_size);
    expect(Object.keys(index.weight_map).sort()).toEqual([...f32.keys()].sort());
  });
});

describe('conversion errors name the file and what was expected', () => {
  it('a missing tensor, a shard count that does not match the files, bad params', async () => {
    const dir = join(work, 'v2-mp4');
    await expect(convertMetaCheckpoint({ inputDir: dir, outputDir: join(work, 'x'), llamaVersion: '2', modelSize: '13B' })).rejects.toThrow(
      /has 2 model-parallel shards but .* holds 4 \.pth files/,
    );
    await expect(convertMetaCheckpoint({ inputDir: dir, outputDir: join(work, 'x'), llamaVersion: '2', modelSize: '12B' })).rejects.toThrow(/--model_size '12B' is unknown/);
    await expect(convertMetaCheckpoint({ inputDir: join(work, 'nowhere'), outputDir: join(work, 'x'), llamaVersion: '2' })).rejects.toThrow(/params\.json/);

    const partial = join(work, 'partial');
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, 'params.json'), JSON.stringify(params));
    const w = await createPytorchCheckpointWriter(join(partial, 'consolidated.00.pth'), [{ name: 'tok_embeddings.weight', dtype: 'float32', shape: [64, 32] }]);
    await w.write('tok_embeddings.weight', new Uint8Array(64 * 32 * 4));
    await w.close();
    await expect(convertMetaCheckpoint({ inputDir: partial, outputDir: join(work, 'y'), llamaVersion: '2' })).rejects.toThrow(
      /consolidated\.00\.pth: checkpoint lacks 'layers\.0\.attention\.wq\.weight' \(needed for model\.layers\.0\.self_attn\.q_proj\.weight\)/,
    );
    writeFileSync(join(partial, 'params.json'), JSON.stringify({ ...params, n_heads: 5 }));
    await expect(convertMetaCheckpoint({ inputDir: partial, outputDir: join(work, 'y'), llamaVersion: '2' })).rejects.toThrow(/params\.json: params\.json 'n_heads' \(5\) must divide 'dim' \(32\)/);
  });
});
