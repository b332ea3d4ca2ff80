// llama.cpp (node-llama-cpp's prebuilt CPU build) and cria on the same GGUF files cria writes of llama2c-260k (trained
// weights): the independent check of the GGUF writer, the GGUF loader and the block-format kernels.
//
// - float32 and float16 files: the same 32 greedy ids (llama.cpp with an F32 KV cache).
// - Every file: the next-token distribution after a 16-token prompt, cria on the file against llama.cpp on the same
//   weights as float32 (every block dequantized as llama.cpp's dequantize_row_* does): total variation <= 1e-5. On
//   the float32 file itself the two engines differ by 1e-6 (float32 sums in another order); 1e-5 leaves room for that
//   and nothing more: a wrong block, row order or scale moves it by 1e-2 or more.
// - Why not llama.cpp on the block file itself: it rounds activations to 8 bits (Q8_0 / Q8_1 / Q8_K) before its
//   integer dot products, which on this 260K-parameter model moves the distribution by 3-12% total variation and the
//   greedy ids within a few tokens; it moves llama.cpp against itself (block file against its float32 form) just as
//   much, which the test shows on q8_0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type QuantFileType, writeLlamaGguf } from '@cria/convert';
import { fixture } from '@cria/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCria } from '../src/engines/cria.js';
import { runLlamaCpp } from '../src/engines/llama-cpp.js';
import { criaProbabilities, llamaCppProbabilities } from '../src/engines/probabilities.js';
import { PROMPT, dequantizedGguf, distance } from '../src/greedy-check.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-llama-cpp-agreement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = fixture('models', 'llama2c-260k');

const tv = (p: number[], q: number[]) => distance(p, q).total_variation as number;

/** cria's backends with block-format kernels. */
const DEVICES = ['reference', 'cpu'] as const;

describe.each(['float32', 'float16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m'] as const)('llama2c-260k as %s GGUF', (dtype: 'float32' | 'float16' | QuantFileType) => {
  const gguf = join(dir, `${dtype}.gguf`);
  const f32 = join(dir, `${dtype}-as-f32.gguf`);
  const written = (async () => {
    await writeLlamaGguf(model, gguf, { dtype });
    await dequantizedGguf(gguf, f32);
  })();

  it.each(DEVICES)('cria (%s) on the file is within 1e-5 total variation of llama.cpp on its float32 form', { timeout: 120_000 }, async (device) => {
    await written;
    const cria = await criaProbabilities({ gguf, prompt: PROMPT, threads: 1, device });
    const llama = await llamaCppProbabilities({ gguf: f32, prompt: PROMPT, threads: 1, device: 'cpu' });
    expect(tv(cria, llama)).toBeLessThanOrEqual(1e-5);
    if (dtype === 'q8_0') {
      // llama.cpp's 8-bit activations: its block file against its own float32 form.
      const llamaBlocks = await llamaCppProbabilities({ gguf, prompt: PROMPT, threads: 1, device: 'cpu' });
      expect(tv(llamaBlocks, llama)).toBeGreaterThan(1e-2);
    }
  });
});

describe.each(['float32', 'float16'] as const)('llama2c-260k as %s GGUF, greedy', (dtype) => {
  it('both engines give the same 32 greedy ids from BOS', { timeout: 120_000 }, async () => {
    const gguf = join(dir, `greedy-${dtype}.gguf`);
    await writeLlamaGguf(model, gguf, { dtype });
    const request = { dir: gguf, gguf, prompt: [1], newTokens: 32, threads: 1, device: DEVICES.at(-1)!, mmap: false, llamaKv: 'F32' as const, warmup: false };
    const llama = await runLlamaCpp(request);
    const cria = await runCria(request);
    expect(cria.ids).toHaveLength(32);
    expect(cria.ids).toEqual(llama.ids);
  });
});
