// A quantized GGUF file: each tensor in the type llama-quantize's plan gives it (llama2c-260k's rows of 64 are not
// whole K blocks, so the K mixes fall back as llama.cpp does), and its blocks equal core's reference quantizer
// (bit-exact with llama.cpp's) applied to the checkpoint's float32 rows, q/k rows in GGUF's interleaved order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GgmlTypeName, type QuantType, fileSource, openSafetensors, quantize, readGguf } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { permutedRow, writeLlamaGguf } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-quantized-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['q8_0', { 'blk.0.attn_q.weight': 'Q8_0', 'blk.0.attn_v.weight': 'Q8_0', 'blk.0.ffn_down.weight': 'F16', 'token_embd.weight': 'Q8_0', 'blk.0.attn_norm.weight': 'F32' }],
  ['q4_0', { 'blk.0.attn_q.weight': 'Q4_0', 'blk.0.ffn_down.weight': 'F16', 'token_embd.weight': 'Q8_0' }],
  ['q4_k_m', { 'blk.0.attn_q.weight': 'Q5_0', 'blk.0.attn_v.weight': 'Q5_0', 'blk.0.ffn_down.weight': 'F16', 'token_embd.weight': 'Q8_0' }],
] as const)('llama2c-260k as %s', (dtype, expectedTypes) => {
  it('has the planned types and the reference quantizer\'s blocks', async () => {
    const path = join(dir, `${dtype}.gguf`);
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), path, { dtype });
    const source = await fileSource(path);
    const checkpoint = await openSafetensors(fixture('models', 'llama2c-260k', 'model.safetensors'));
    try {
      const file = await readGguf(source);
      const types = Object.fromEntries(file.tensors.map((t) => [t.name, t.type]));
      for (const [name, type] of Object.entries(expectedTypes)) expect(types[name], name).toBe(type);
      expect(file.metadata.get('general.file_type')).toEqual({ type: 'uint32', value: { q8_0: 7, q4_0: 2, q4_k_m: 15 }[dtype] });
      for (const [ggufName, hfName, heads] of [['blk.0.attn_q.weight', 'model.layers.0.self_attn.q_proj.weight', 8], ['blk.2.ffn_gate.weight', 'model.layers.2.mlp.gate_proj.weight', 0]] as const) {
        const info = file.tensors.find((t) => t.name === ggufName)!;
        const [rows, cols] = info.shape as [number, number];
        const values = await (await checkpoint.get(hfName)).toFloat32();
        const ordered = new Float32Array(values.length);
        for (let r = 0; r < rows; r++) {
          const from = heads ? permutedRow(r, { heads, headDim: rows / heads }) : r;
          ordered.set(values.subarray(from * cols, (from + 1) * cols), r * cols);
        }
        const expected = quantize(info.type as GgmlTypeName as QuantType, ordered, rows, cols);
        expect(Buffer.from(await source.read(info.offset, info.byteLength)).equals(Buffer.from(expected)), ggufName).toBe(true);
      }
    } finally {
      await source.close();
      await checkpoint.close();
    }
  });
});
