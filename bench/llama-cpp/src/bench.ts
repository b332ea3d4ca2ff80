// The side-by-side run: one checkpoint, both engines interleaved (the first engine alternating), medians, ratios.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LlamaConfig, shapeSummary } from '@cria/config';
import { Mulberry32 } from '@cria/models';
import type { BenchOptions } from './args.js';
import { cacheDir, log } from './cache.js';
import { ensureCheckpoint } from './checkpoint.js';
import type { EngineName, Sample, SampleRequest } from './engines/sample.js';
import { machineInfo } from './machine.js';
import { SHAPES } from './shapes.js';
import { commonPrefix, median, round3 } from './stats.js';
import { runInChild } from './workers.js';

/** Prompt ids drawn uniformly from the vocabulary, seeded (the same for both engines). */
export function promptIds(seed: number, length: number, vocabSize: number): number[] {
  const rng = new Mulberry32(seed + 1);
  return Array.from({ length }, () => Math.floor(rng.next() * vocabSize));
}

const METRICS = ['prefill_tokens_per_second', 'decode_tokens_per_second', 'time_to_first_token_seconds', 'load_seconds', 'peak_rss_bytes'] as const;

function summary(samples: Sample[]) {
  const medians = Object.fromEntries(METRICS.map((m) => [m, m === 'peak_rss_bytes' ? median(samples.map((s) => s[m])) : round3(median(samples.map((s) => s[m])))]));
  const rows = samples.map(({ ids: _ids, details: _details, ...rest }) => Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'number' && k !== 'peak_rss_bytes' && k !== 'new_tokens' ? round3(v) : v])));
  return { medians, samples: rows };
}

export async function runBench(o: BenchOptions): Promise<Record<string, unknown>> {
  const shape = SHAPES[o.shape]!;
  const config = LlamaConfig.from_dict(shape.config);
  if (o.promptLength + o.newTokens > config.max_position_embeddings) throw new Error(`--prompt-length + --new-tokens exceed max_position_embeddings ${config.max_position_embeddings}`);
  const cache = cacheDir(o.cache);
  const checkpoint = await ensureCheckpoint(cache, o.shape, shape, o.dtype, o.seed, log);
  const request: SampleRequest = {
    dir: checkpoint.dir,
    gguf: checkpoint.gguf,
    prompt: promptIds(o.seed, o.promptLength, config.vocab_size),
    newTokens: o.newTokens,
    threads: o.threads,
    device: o.device,
    ...(o.cpuBuild ? { cpuBuild: o.cpuBuild } : {}),
    mmap: o.mmap,
    llamaKv: o.llamaKv,
    warmup: o.warmup,
  };
  const samples: Record<EngineName, Sample[]> = { cria: [], 'llama.cpp': [] };
  for (let r = 0; r < o.repetitions; r++) {
    const order: EngineName[] = r % 2 === 0 ? ['cria', 'llama.cpp'] : ['llama.cpp', 'cria'];
    for (const engine of order) {
      log(`repetition ${r + 1}/${o.repetitions}: ${engine}`);
      const sample = await runInChild(engine, request);
      log(`  prefill ${sample.prefill_tokens_per_second.toFixed(2)} tok/s, decode ${sample.decode_tokens_per_second.toFixed(2)} tok/s, first token after ${sample.time_to_first_token_seconds.toFixed(2)} s`);
      samples[engine].push(sample);
    }
  }
  const cria = summary(samples.cria);
  const llama = summary(samples['llama.cpp']);
  const ratio = (m: (typeof METRICS)[number]) => round3(median(samples.cria.map((s) => s[m])) / median(samples['llama.cpp'].map((s) => s[m])));
  const first = { cria: samples.cria[0]!.ids, llama: samples['llama.cpp'][0]!.ids };
  const safetensorsBytes = (await stat(join(checkpoint.dir, 'model.safetensors')).catch(() => null))?.size ?? null;
  return {
    bench: 'cria vs llama.cpp, same checkpoint (random weights), interleaved',
    shape: { name: o.shape, ...shapeSummary(config) },
    dtype: o.dtype,
    threads: o.threads,
    prompt_tokens: o.promptLength,
    new_tokens: o.newTokens,
    repetitions: o.repetitions,
    seed: o.seed,
    warmup: o.warmup,
    mmap: o.mmap,
    llama_cpp_options: { kv_cache_type: o.llamaKv, flash_attention: false, batch_size: o.promptLength },
    cria: { device: samples.cria[0]!.details.device, backend: samples.cria[0]!.details.backend, ...cria },
    llama_cpp: { build: samples['llama.cpp'][0]!.details, ...llama },
    ratio_cria_over_llama_cpp: {
      prefill_tokens_per_second: ratio('prefill_tokens_per_second'),
      decode_tokens_per_second: ratio('decode_tokens_per_second'),
      time_to_first_token_seconds: ratio('time_to_first_token_seconds'),
    },
    greedy_ids_agree: { leading: commonPrefix(first.cria, first.llama), of: o.newTokens },
    checkpoint: { dir: checkpoint.dir, gguf: checkpoint.gguf, safetensors_bytes: safetensorsBytes, gguf_bytes: (await stat(checkpoint.gguf)).size, write_seconds: round3(checkpoint.writeSeconds) },
    machine: machineInfo(),
  };
}
