// The bench's checkpoint, written once per (shape, dtype, seed) into the cache: a Hugging Face folder with
// seeded random weights (config.json, model.safetensors, the shape's tokenizer files) and its GGUF.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LlamaConfig } from '@cria/config';
import { isQuantFileType, type QuantFileType, writeLlamaGguf } from '@cria/convert';
import { createShardedSafetensorsWriter, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { fixturesDir } from '@cria/core/testing';
import { Mulberry32 } from '@cria/models';
import type { BenchShape } from './shapes.js';

export type FloatWeightDType = 'float32' | 'float16' | 'bfloat16';
/** A float checkpoint, or a GGUF quantized from the float16 one (both engines then run that one file). */
export type WeightDType = FloatWeightDType | QuantFileType;

export interface Checkpoint {
  /** The Hugging Face folder cria loads. */
  dir: string;
  /** The GGUF llama.cpp loads (same weights, same dtype). */
  gguf: string;
  /** Seconds spent writing them now (0 when they were in the cache). */
  writeSeconds: number;
}

/** Every tensor of a LlamaForCausalLM of `config`, as [name, shape]. */
export function llamaTensorShapes(config: LlamaConfig): [string, number[]][] {
  const h = config.hidden_size, f = config.intermediate_size, d = config.headDim;
  const q = config.num_attention_heads * d, kv = config.numKvHeads * d;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [config.vocab_size, h]]];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    out.push(
      [`${p}input_layernorm.weight`, [h]], [`${p}self_attn.q_proj.weight`, [q, h]], [`${p}self_attn.k_proj.weight`, [kv, h]],
      [`${p}self_attn.v_proj.weight`, [kv, h]], [`${p}self_attn.o_proj.weight`, [h, q]], [`${p}post_attention_layernorm.weight`, [h]],
      [`${p}mlp.gate_proj.weight`, [f, h]], [`${p}mlp.up_proj.weight`, [f, h]], [`${p}mlp.down_proj.weight`, [h, f]],
    );
  }
  out.push(['model.norm.weight', [h]]);
  if (!config.tie_word_embeddings) out.push(['lm_head.weight', [config.vocab_size, h]]);
  return out;
}

const POOL = 1 << 20;
const RUN = 4096;

/**
 * Seeded random weights: matrix entries uniform with standard deviation 0.02 (transformers' initializer_range),
 * copied in runs of 4096 from a pool of 2^20 values at random offsets (fast for a billion parameters); norms 1.
 */
async function writeRandomSafetensors(dir: string, config: LlamaConfig, dtype: FloatWeightDType, seed: number): Promise<void> {
  const shapes = llamaTensorShapes(config);
  const rng = new Mulberry32(seed);
  const halfWidth = 0.02 * Math.sqrt(3);
  const values = Float32Array.from({ length: POOL + RUN }, () => (rng.next() * 2 - 1) * halfWidth);
  const pool = dtype === 'float32' ? values : dtype === 'float16' ? float32ArrayToFloat16(values) : float32ArrayToBfloat16(values);
  const one = dtype === 'float32' ? 1 : dtype === 'float16' ? 0x3c00 : 0x3f80;
  const writer = await createShardedSafetensorsWriter(dir, shapes.map(([name, shape]) => ({ name, dtype, shape })), { maxShardSize: '1000GB' });
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'float32' ? new Float32Array(size) : new Uint16Array(size);
    if (shape.length === 1) data.fill(one);
    else {
      for (let at = 0; at < size; at += RUN) {
        const from = Math.floor(rng.next() * POOL);
        data.set(pool.subarray(from, from + Math.min(RUN, size - at)) as never, at);
      }
    }
    await writer.write(name, data);
  }
  await writer.close();
}

/**
 * The checkpoint of `shape` in `dtype`, written into `cacheDir` unless already there. A quantized type is a GGUF file
 * quantized (as llama-quantize mixes it) from the float16 checkpoint; `dir` is then that file, which cria loads too.
 */
export async function ensureCheckpoint(cacheDir: string, shapeName: string, shape: BenchShape, dtype: WeightDType, seed: number, log: (line: string) => void): Promise<Checkpoint> {
  if (isQuantFileType(dtype)) {
    const base = await ensureCheckpoint(cacheDir, shapeName, shape, 'float16', seed, log);
    const gguf = join(cacheDir, `${shapeName}-${dtype}-seed${seed}.gguf`);
    const marker = `${gguf}.complete.json`;
    const want = { base: base.gguf, dtype, format: 1 };
    if (await readFile(marker, 'utf8').then((t) => JSON.stringify(JSON.parse(t)) === JSON.stringify(want), () => false)) return { dir: gguf, gguf, writeSeconds: 0 };
    const start = performance.now();
    log(`writing ${gguf} (${dtype} from ${base.dir})`);
    await writeLlamaGguf(base.dir, gguf, { dtype, name: shapeName });
    await writeFile(marker, JSON.stringify(want));
    return { dir: gguf, gguf, writeSeconds: (performance.now() - start) / 1000 };
  }
  const dir = join(cacheDir, `${shapeName}-${dtype}-seed${seed}`);
  const gguf = join(cacheDir, `${shapeName}-${dtype}-seed${seed}.gguf`);
  const marker = join(dir, 'bench-complete.json');
  const want = { shape: shapeName, dtype, seed, config: shape.config, format: 2 };
  const done = await readFile(marker, 'utf8').then((t) => JSON.stringify(JSON.parse(t)) === JSON.stringify(want), () => false);
  if (done) return { dir, gguf, writeSeconds: 0 };
  const start = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const configJson = { ...shape.config, torch_dtype: dtype };
  await writeFile(join(dir, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  for (const file of shape.tokenizer.files) await copyFile(join(fixturesDir(), 'tokenizers', shape.tokenizer.fixture, file), join(dir, file));
  log(`writing ${dir} (random weights, ${dtype})`);
  const config = LlamaConfig.from_dict(configJson);
  await writeRandomSafetensors(dir, config, dtype, seed);
  log(`writing ${gguf}`);
  await writeLlamaGguf(dir, gguf, { dtype, name: shapeName });
  await writeFile(marker, JSON.stringify(want));
  return { dir, gguf, writeSeconds: (performance.now() - start) / 1000 };
}
