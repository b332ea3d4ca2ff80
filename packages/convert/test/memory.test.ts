// Bounded memory: a synthetic two-shard Meta checkpoint of more than 2 GB, written through the
// project's own torch.save-style writer, is converted in a child process whose peak RSS must stay
// under 3x the largest merged tensor plus a fixed allowance for Node itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { openSafetensors } from '@cria/core';
import { SeededRandom } from '@cria/core/testing';
import { createPytorchCheckpointWriter } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cria-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A 7B-like layer shape with fewer layers and a smaller vocabulary: the MLP weights are the
// largest tensors (11008 x 4096 bf16 = 86 MiB merged), the checkpoint is ~2.16 GB.
const DIM = 4096;
const HIDDEN = 11008;
const LAYERS = 5;
const VOCAB = 8192;
const SHARDS = 2;
const FIXED_ALLOWANCE = 160 * 1024 * 1024;

/**
 * Deterministic bf16 bits for (tensor, shard): a 1 MiB pseudo-random block tiled over the tensor
 * (cheap to make; the tile period is not a multiple of any row, so a misplaced row shows).
 */
function pieceBytes(seed: number, elements: number): Uint8Array {
  const block = new Uint16Array(Math.min(elements, 1 << 19));
  const random = new SeededRandom(seed);
  for (let i = 0; i < block.length; i++) block[i] = 0x3c00 | (random.uint32() >>> 22); // small finite positive bfloat16 values
  const bits = new Uint16Array(elements);
  for (let at = 0; at < elements; at += block.length) bits.set(block.subarray(0, Math.min(block.length, elements - at)), at);
  return new Uint8Array(bits.buffer);
}

function shardSpecs(): { name: string; shape: number[]; seed: number }[] {
  const per = (n: number) => n / SHARDS;
  const specs: { name: string; shape: number[]; seed: number }[] = [
    { name: 'tok_embeddings.weight', shape: [VOCAB, per(DIM)], seed: 1 },
    { name: 'norm.weight', shape: [DIM], seed: 2 },
    { name: 'output.weight', shape: [per(VOCAB), DIM], seed: 3 },
  ];
  for (let l = 0; l < LAYERS; l++) {
    const s = 100 * (l + 1);
    specs.push(
      { name: `layers.${l}.attention.wq.weight`, shape: [per(DIM), DIM], seed: s + 1 },
      { name: `layers.${l}.attention.wk.weight`, shape: [per(DIM), DIM], seed: s + 2 },
      { name: `layers.${l}.attention.wv.weight`, shape: [per(DIM), DIM], seed: s + 3 },
      { name: `layers.${l}.attention.wo.weight`, shape: [DIM, per(DIM)], seed: s + 4 },
      { name: `layers.${l}.feed_forward.w1.weight`, shape: [per(HIDDEN), DIM], seed: s + 5 },
      { name: `layers.${l}.feed_forward.w2.weight`, shape: [DIM, per(HIDDEN)], seed: s + 6 },
      { name: `layers.${l}.feed_forward.w3.weight`, shape: [per(HIDDEN), DIM], seed: s + 7 },
      { name: `layers.${l}.attention_norm.weight`, shape: [DIM], seed: s + 8 },
      { name: `layers.${l}.ffn_norm.weight`, shape: [DIM], seed: s + 9 },
    );
  }
  return specs;
}

describe('bounded memory', () => {
  it('converts a >2 GB two-shard checkpoint with peak RSS under 3x the largest tensor + allowance', async () => {
    const input = join(work, 'meta');
    mkdirSync(input);
    writeFileSync(join(input, 'params.json'), JSON.stringify({ dim: DIM, n_layers: LAYERS, n_heads: 32, multiple_of: 256, norm_eps: 1e-5, vocab_size: -1 }));
    const specs = shardSpecs();
    let inputBytes = 0;
    const writeStart = performance.now();
    for (let shard = 0; shard < SHARDS; shard++) {
      const writer = await createPytorchCheckpointWriter(join(input, `consolidated.0${shard}.pth`), specs.map((s) => ({ name: s.name, dtype: 'bfloat16' as const, shape: s.shape })), { archiveName: `consolidated.0${shard}` });
      for (const s of specs) {
        const bytes = pieceBytes(s.seed * 16 + shard, s.shape.reduce((a, b) => a * b, 1));
        inputBytes += bytes.byteLength;
        await writer.write(s.name, bytes);
      }
      await writer.close();
    }
    const writeSeconds = (performance.now() - writeStart) / 1000;
    expect(inputBytes).toBeGreaterThan(2e9);

    const bundle = join(work, 'child.mjs');
    await build({ entryPoints: [join(here, 'memory-child.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', conditions: ['@cria/source'], logLevel: 'error' });
    const output = join(work, 'hf');
    const stdout = execFileSync(process.execPath, [bundle, input, output], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { maxRssBytes: number; seconds: number; bytes: number; largestTensorBytes: number; files: string[] };
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    console.log(`memory test: input ${mib(inputBytes)} written in ${writeSeconds.toFixed(1)} s; converted ${mib(report.bytes)} in ${report.seconds.toFixed(1)} s; ` +
      `largest tensor ${mib(report.largestTensorBytes)}; peak RSS ${mib(report.maxRssBytes)} (bound ${mib(3 * report.largestTensorBytes + FIXED_ALLOWANCE)})`);
    expect(report.largestTensorBytes).toBe(HIDDEN * DIM * 2);
    expect(report.bytes).toBe(inputBytes - (SHARDS - 1) * (DIM * 2 * (2 * LAYERS + 1)));
    expect(report.maxRssBytes).toBeLessThan(3 * report.largestTensorBytes + FIXED_ALLOWANCE);

    // Spot-check the merge: w2 (row-parallel, dim 1) of the last layer, row 7, against its shard pieces.
    const ckpt = await openSafetensors(output);
    try {
      const down = new Uint16Array((await ckpt.getBytes(`model.layers.${LAYERS - 1}.mlp.down_proj.weight`)).slice().buffer);
      const seed = 100 * LAYERS + 6;
      const half = HIDDEN / SHARDS;
      for (let shard = 0; shard < SHARDS; shard++) {
        const piece = new Uint16Array(pieceBytes(seed * 16 + shard, DIM * half).buffer);
        for (const row of [0, 7, DIM - 1]) {
          expect(Array.from(down.subarray(row * HIDDEN + shard * half, row * HIDDEN + (shard + 1) * half))).toEqual(Array.from(piece.subarray(row * half, (row + 1) * half)));
        }
      }
    } finally {
      await ckpt.close();
    }
  }, 300_000);
});
