// cria convert: Meta's original checkpoint folder -> Hugging Face layout (or, with --to gguf, a Hugging Face folder ->
// GGUF), with the flags of
// transformers' convert_llama_weights_to_hf.py, a progress bar on stderr, and --verify (load the
// result with @cria/models and run one forward pass).
import { CriaError } from '@cria/core';
import {
  LLAMA_VERSIONS,
  NUM_SHARDS,
  convertLlamaTokenizer,
  convertMetaCheckpoint,
  type ConvertProgress,
  type LlamaVersion,
} from '@cria/convert';
import { join } from 'node:path';
import { DEVICES, UsageError, choiceFlag, intFlag, parseFlags } from '../args.js';
import { CONVERT_GGUF_HELP, runConvertGguf } from './convert-gguf.js';

export const CONVERT_HELP = `cria convert --input_dir <meta dir> --output_dir <hf dir> [--model_size 7B|...|tokenizer_only]
    [--llama_version 1|2|3|3.1|3.2|Guard-3] [--num_shards N] [--max_shard_size 5GB]
    [--torch_dtype bfloat16|float16|float32|auto] [--instruct] [--safe_serialization | --no_safe_serialization]
    [--verify] [--device auto|cpu|webgpu|cuda]
  Converts Meta's params.json + consolidated.NN.pth + tokenizer.model into config.json,
  model(-0000N-of-0000M).safetensors, generation_config.json and the tokenizer files, one tensor at a
  time (memory: about one merged tensor). The checkpoints are read by a pickle reader that runs no code.
  --verify loads the result and runs one forward pass.
${CONVERT_GGUF_HELP}`;

const FLAGS = {
  input_dir: { type: 'string' },
  output_dir: { type: 'string' },
  model_size: { type: 'string' },
  llama_version: { type: 'string' },
  num_shards: { type: 'string' },
  max_shard_size: { type: 'string' },
  torch_dtype: { type: 'string' },
  instruct: { type: 'boolean' },
  safe_serialization: { type: 'boolean' },
  no_safe_serialization: { type: 'boolean' },
  verify: { type: 'boolean' },
  device: { type: 'string' },
  to: { type: 'string' },
  outfile: { type: 'string' },
  dtype: { type: 'string' },
  outtype: { type: 'string' },
  tokenizer_dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags only one of the two conversions reads: each refuses the other's by name. */
const GGUF_ONLY = ['outfile', 'dtype', 'outtype', 'tokenizer_dir'] as const;
const META_ONLY = ['output_dir', 'model_size', 'llama_version', 'num_shards', 'max_shard_size', 'torch_dtype', 'instruct', 'safe_serialization', 'no_safe_serialization', 'verify', 'device'] as const;

const TORCH_DTYPES = ['bfloat16', 'float16', 'float32', 'auto'] as const;

/** Runs `cria convert`; throws UsageError for bad flags and CriaError for bad input. */
export async function runConvert(argv: string[]): Promise<void> {
  const v = parseFlags('convert', argv, FLAGS);
  if (v.help) {
    process.stdout.write(CONVERT_HELP + '\n');
    return;
  }
  if (v.to !== undefined && v.to !== 'gguf' && v.to !== 'hf') throw new UsageError(`cria convert: --to must be gguf (a Hugging Face folder to GGUF) or hf (Meta's checkpoint to Hugging Face, the default), got '${String(v.to)}'`);
  const others: readonly string[] = v.to === 'gguf' ? META_ONLY : GGUF_ONLY;
  const stray = others.find((flag) => (v as Record<string, unknown>)[flag] !== undefined);
  if (stray) throw new UsageError(`cria convert: --${stray} belongs to ${v.to === 'gguf' ? 'the Meta conversion (leave --to gguf out)' : '--to gguf'}`);
  if (v.to === 'gguf') return runConvertGguf(v);
  const inputDir = v.input_dir;
  const outputDir = v.output_dir;
  if (typeof inputDir !== 'string' || inputDir === '') throw new UsageError('cria convert: --input_dir <dir> is required');
  if (typeof outputDir !== 'string' || outputDir === '') throw new UsageError('cria convert: --output_dir <dir> is required');
  const version = choiceFlag('convert', v, 'llama_version', LLAMA_VERSIONS, '1') as LlamaVersion;
  const modelSize = typeof v.model_size === 'string' ? v.model_size : undefined;
  if (modelSize !== undefined && modelSize !== 'tokenizer_only' && !(modelSize in NUM_SHARDS)) {
    throw new UsageError(`cria convert: --model_size must be one of ${Object.keys(NUM_SHARDS).join(', ')}, tokenizer_only; got '${modelSize}'`);
  }
  const numShards = intFlag('convert', v, 'num_shards', 1, 1024);
  const torchDtype = choiceFlag('convert', v, 'torch_dtype', TORCH_DTYPES, 'bfloat16');
  const device = choiceFlag('convert', v, 'device', DEVICES, 'auto');
  if (v.safe_serialization && v.no_safe_serialization) throw new UsageError('cria convert: pass --safe_serialization or --no_safe_serialization, not both');
  const instruct = v.instruct === true;

  if (modelSize === 'tokenizer_only') {
    const result = await convertLlamaTokenizer(join(inputDir, 'tokenizer.model'), outputDir, { version, instruct });
    process.stderr.write(`wrote ${result.files.join(', ')} (${result.vocabSize} tokens) to ${outputDir}\n`);
    return;
  }
  const bar = progressBar(process.stderr);
  const started = performance.now();
  const result = await convertMetaCheckpoint({
    inputDir,
    outputDir,
    llamaVersion: version,
    ...(modelSize !== undefined ? { modelSize } : {}),
    ...(numShards !== undefined ? { numShards } : {}),
    ...(typeof v.max_shard_size === 'string' ? { maxShardSize: v.max_shard_size } : {}),
    torchDtype,
    instruct,
    safeSerialization: v.no_safe_serialization !== true,
    onProgress: bar.update,
  });
  bar.done();
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `converted ${result.tensors} tensors (${formatBytes(result.bytes)}) in ${seconds.toFixed(1)} s to ${outputDir}: ${result.files.join(', ')}\n`,
  );
  if (v.verify) await verify(outputDir, device);
}

/** The command as the CLI's table dispatches it: returns the exit code (0 ok, 1 bad input, 2 usage). */
export async function convertCommand(argv: string[]): Promise<number> {
  try {
    await runConvert(argv);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${CONVERT_HELP}\n`);
      return 2;
    }
    if (error instanceof CriaError) {
      process.stderr.write(`cria convert: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Loads the converted folder and runs one forward pass: logits must have the right shape and be finite. */
async function verify(dir: string, device: (typeof DEVICES)[number]): Promise<void> {
  const { LlamaForCausalLM, disposeOutput } = await import('@cria/models');
  const model = await LlamaForCausalLM.from_pretrained(dir, { device });
  try {
    const bos = model.config.bos_token_id ?? 1;
    const vocab = model.config.vocab_size;
    const ids = [bos, ...[1, 2, 3].map((k) => (bos + k * 7919) % vocab)];
    const out = await model.forward({ input_ids: [ids], use_cache: false });
    const logits = await out.logits!.toFloat32();
    const shape = out.logits!.shape;
    disposeOutput(out);
    if (shape.join(',') !== [1, ids.length, vocab].join(',')) {
      throw new CriaError(`verify: logits have shape [${shape.join(', ')}]; expected [1, ${ids.length}, ${vocab}]`);
    }
    let best = 0;
    const last = logits.subarray((ids.length - 1) * vocab);
    for (let i = 0; i < vocab; i++) {
      if (!Number.isFinite(last[i]!)) throw new CriaError(`verify: logit ${i} of the last position is ${last[i]}`);
      if (last[i]! > last[best]!) best = i;
    }
    if (!logits.every(Number.isFinite)) throw new CriaError('verify: the forward pass produced non-finite logits');
    process.stderr.write(`verify: loaded on ${model.device}; forward pass on ${ids.length} tokens gave finite logits [${shape.join(', ')}]; next token ${best}\n`);
  } finally {
    model.dispose();
  }
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e3).toFixed(1)} kB`;
}

/** A one-line progress bar redrawn in place on a terminal; on a pipe, a line every 10%. */
export function progressBar(stream: { isTTY?: boolean; write(text: string): unknown }) {
  const width = 30;
  let lastDecile = -1;
  return {
    update(p: ConvertProgress): void {
      const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.done / p.total;
      if (stream.isTTY) {
        const filled = Math.round(fraction * width);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} tensors ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ${p.tensor}\x1b[K`);
        return;
      }
      const decile = Math.floor(fraction * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`[${'#'.repeat(decile * 3)}${'-'.repeat(width - decile * 3)}] ${Math.round(fraction * 100)}% ${p.done}/${p.total} tensors\n`);
      }
    },
    done(): void {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
