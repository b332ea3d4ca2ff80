// Do the engines compute the same thing? llama.cpp on the GGUF cria writes of fixtures/models/llama2c-260k (trained
// weights), greedy from BOS, against cria on the safetensors folder and against llama2.c's run.c (the fixture's reference);
// then, for each GGUF type cria writes (float and quantized), llama.cpp and cria both on that one file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GgufTensor, type QuantFileType, writeGguf, writeLlamaGguf } from '@cria/convert';
import { bfloat16ArrayToFloat32, dequantize, fileSource, float16ArrayToFloat32, isQuantType, readGguf } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { cacheDir, log } from './cache.js';
import { commonPrefix } from './stats.js';
import { probabilitiesInChild, runInChild } from './workers.js';

export async function checkGreedy(device: string, cache: string | undefined): Promise<Record<string, unknown>> {
  const dir = fixture('models', 'llama2c-260k');
  const reference = JSON.parse(await readFile(join(dir, 'reference', 'reference.json'), 'utf8')) as { greedy_ids_including_bos: number[]; source: string };
  const runc = reference.greedy_ids_including_bos;
  const gguf = join(cacheDir(cache), 'llama2c-260k-float32.gguf');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(cacheDir(cache), { recursive: true });
  await writeLlamaGguf(dir, gguf, { dtype: 'float32', name: 'llama2c-260k' });
  log(`wrote ${gguf}`);
  const request = { dir, gguf, prompt: [runc[0]!], newTokens: runc.length - 1, threads: 1, device, mmap: false, llamaKv: 'F32' as const, warmup: false };
  const llama = [runc[0]!, ...(await runInChild('llama.cpp', request)).ids];
  const llamaF16Kv = [runc[0]!, ...(await runInChild('llama.cpp', { ...request, llamaKv: 'F16' })).ids];
  const cria = [runc[0]!, ...(await runInChild('cria', request)).ids];
  const first = (a: number[], b: number[]) => {
    const n = commonPrefix(a, b);
    return n === Math.max(a.length, b.length) ? null : { position: n, ids: [a[n], b[n]] };
  };
  return {
    check: 'greedy ids from BOS on fixtures/models/llama2c-260k, float32 GGUF written by @cria/convert, 1 thread',
    reference: reference.source,
    tokens: runc.length,
    llama_cpp_equals_runc: first(llama, runc) === null,
    llama_cpp_f16_kv_cache_equals_runc: first(llamaF16Kv, runc) === null,
    cria_equals_runc: first(cria, runc) === null,
    llama_cpp_equals_cria: first(llama, cria) === null,
    first_difference: {
      llama_cpp_vs_runc: first(llama, runc),
      llama_cpp_f16_kv_cache_vs_runc: first(llamaF16Kv, runc),
      cria_vs_runc: first(cria, runc),
      llama_cpp_vs_cria: first(llama, cria),
    },
    note: 'llama.cpp runs with an F32 KV cache here; its default F16 cache is also run: run.c\'s smallest top-2 logit margin over the 255 steps is 1.1e-3, at step 213',
    llama_cpp_ids_head: llama.slice(0, 24),
    same_gguf: await sameGguf(dir, device, cache, runc[0]!),
  };
}

/** The GGUF types both engines run from one file here (hidden size 64: the K-quant mixes fall back to Q5_0 / Q8_0 rows). */
const FILE_TYPES: readonly ('float32' | 'float16' | 'bfloat16' | QuantFileType)[] = ['float32', 'float16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m'];

/**
 * `src` with every tensor as F32 (block formats dequantized as llama.cpp's dequantize_row_*, bit for bit; F16 / BF16
 * widened), same metadata: llama.cpp then runs float32 activations throughout.
 */
export async function dequantizedGguf(src: string, dst: string): Promise<void> {
  const source = await fileSource(src);
  try {
    const file = await readGguf(source);
    const tensors: GgufTensor[] = file.tensors.map((t) => ({
      name: t.name,
      type: 'F32' as const,
      shape: t.shape,
      data: async function* () {
        const bytes = await source.read(t.offset, t.byteLength);
        const cols = t.shape.at(-1)!;
        const rows = t.shape.length > 1 ? t.shape[0]! : 1;
        if (isQuantType(t.type)) yield new Uint8Array(dequantize(t.type, bytes, rows, cols).buffer);
        else if (t.type === 'F32') yield bytes;
        else {
          const halves = new Uint16Array(bytes.slice().buffer);
          yield new Uint8Array((t.type === 'F16' ? float16ArrayToFloat32(halves) : bfloat16ArrayToFloat32(halves)).buffer);
        }
      },
    }));
    await writeGguf(dst, file.metadata, tensors);
  } finally {
    await source.close();
  }
}

/** The first 16 ids of run.c's greedy story (BOS, then trained text): the prompt the next-token distributions follow. */
export const PROMPT = [1, 403, 407, 261, 378, 473, 473, 473, 473, 473, 473, 473, 483, 339, 260, 403];

/** How far two next-token distributions are: total variation (half the L1 distance), the largest gap, the top tokens. */
export function distance(p: number[], q: number[]): Record<string, unknown> {
  let l1 = 0;
  let max = 0;
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    const d = Math.abs((p[i] ?? 0) - (q[i] ?? 0));
    l1 += d;
    max = Math.max(max, d);
  }
  const top = (x: number[]) => x.indexOf(Math.max(...x));
  return { total_variation: l1 / 2, max_abs_difference: max, top_token: { llama_cpp: top(p), cria: top(q) } };
}

/** For each file type: llama.cpp and cria on the same GGUF file, greedy from BOS, 32 new tokens and 255. */
async function sameGguf(dir: string, device: string, cache: string | undefined, bos: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const dtype of FILE_TYPES) {
    const gguf = join(cacheDir(cache), `llama2c-260k-${dtype}.gguf`);
    await writeLlamaGguf(dir, gguf, { dtype, name: 'llama2c-260k' });
    const request = { dir: gguf, gguf, prompt: [bos], newTokens: 255, threads: 1, device, mmap: false, llamaKv: 'F32' as const, warmup: false };
    const llama = (await runInChild('llama.cpp', request)).ids;
    const cria = (await runInChild('cria', request)).ids;
    const agree = commonPrefix(llama, cria);
    const prompt = { gguf, prompt: PROMPT, threads: 1, device };
    const p = await probabilitiesInChild('llama.cpp', prompt);
    const q = await probabilitiesInChild('cria', prompt);
    // The same weights as float32 (each block dequantized): llama.cpp then runs float32 activations, so any gap to cria
    // on the blocks is cria's; the gap between llama.cpp's two runs is its own 8-bit activations.
    const f32 = join(cacheDir(cache), `llama2c-260k-${dtype}-dequantized.gguf`);
    await dequantizedGguf(gguf, f32);
    const pf = await probabilitiesInChild('llama.cpp', { ...prompt, gguf: f32 });
    out.push({
      dtype, first_32_agree: agree >= 32, leading_ids_equal: agree, of: Math.max(llama.length, cria.length),
      next_token_after_prompt: {
        cria_vs_llama_cpp: distance(p, q),
        cria_vs_llama_cpp_on_the_dequantized_float32_file: distance(pf, q),
        llama_cpp_vs_itself_on_the_dequantized_float32_file: distance(pf, p),
      },
      llama_cpp_head: llama.slice(0, 12), cria_head: cria.slice(0, 12),
    });
    log(`${dtype}: llama.cpp and cria agree on the first ${agree} of ${llama.length} ids`);
  }
  return out;
}
