// cria bench: prefill and decode speed of one model on one backend, as JSON.
import { LlamaConfig, MODEL_SHAPES, shapeSummary } from '@cria/config';
import { type Backend, type CopyBandwidth, getBackend, supportsCopyBandwidth, withoutOps } from '@cria/core';
import { FUSED_OPS, LlamaForCausalLM, Mulberry32, canCaptureDecodeStep, initRandomWeights } from '@cria/models';
import { DEVICES, DTYPES, UsageError, choiceFlag, intFlag, numberFlag, parseFlags } from '../args.js';
import { loadWithProgress } from '../load-progress.js';
import { timedGenerate } from '../timing.js';
import { flopShapeOf, prefillFlops, weightBytes } from './bench-bounds.js';

export const BENCH_HELP = `cria bench (--model <dir> | --shape stories110M|llama-3.2-1b|llama-2-7b)
    [--device auto|cpu|webgpu|cuda|reference] [--dtype auto|float32|float16|bfloat16] [--threads N]
    [--prompt-length N (128)] [--new-tokens N (128)] [--seed N]
    [--matmul-tflops X] [--copy-mib N (256)] [--no-bounds] [--no-warmup] [--no-capture] [--separate-ops]
  Prints JSON: model shape, backend, dtype, prompt length, prefill and decode tokens/s, peak memory, and each speed
  against its bound: decode against the bytes of weights a step reads over the measured device-to-device copy
  bandwidth, prefill as FLOPs/s (and, with --matmul-tflops, as a fraction of that measured bf16 matmul rate).
  --shape builds a model of that shape with random weights (no download).
  --threads: the cpu backend's threads (default: the physical cores).
  --copy-mib: the size of the timed copy. --no-bounds: skip the copy measurement.
  --no-warmup: time the first generate too (by default one short generate runs first, untimed).
  --no-capture: decode op by op even where the backend can replay a captured step (CUDA graphs).
  --separate-ops: run the ops the layers fuse (${FUSED_OPS.join(', ')}) as the separate ops they replace (the same
    numbers), to time what the fusion saves.`;

const FLAGS = {
  model: { type: 'string' },
  shape: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  'prompt-length': { type: 'string' },
  'new-tokens': { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'matmul-tflops': { type: 'string' },
  'copy-mib': { type: 'string' },
  'no-bounds': { type: 'boolean' },
  'no-warmup': { type: 'boolean' },
  'no-capture': { type: 'boolean' },
  'separate-ops': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The warm-up generate: prompt tokens (at most) and new tokens. 16 rows reach the tiled prefill kernels where a
 * backend switches kernels on row count (WebGPU at 8); 3 new tokens reach the captured decode step (from the
 * second decode step on). */
const WARMUP_PROMPT = 16;
const WARMUP_NEW_TOKENS = 3;

export async function benchCommand(argv: string[]): Promise<void> {
  const v = parseFlags('bench', argv, FLAGS);
  if (v.help) {
    process.stdout.write(BENCH_HELP + '\n');
    return;
  }
  if ((v.model === undefined) === (v.shape === undefined)) throw new UsageError('cria bench: pass exactly one of --model <dir> and --shape <name>');
  const device = choiceFlag('bench', v, 'device', DEVICES, 'auto');
  const dtype = choiceFlag('bench', v, 'dtype', DTYPES, 'auto');
  const threads = intFlag('bench', v, 'threads', 1, 1024);
  if (threads !== undefined && device !== 'cpu' && device !== 'auto') throw new UsageError(`cria bench: --threads sets the cpu backend's threads; --device ${device} has none`);
  const promptLength = intFlag('bench', v, 'prompt-length', 1) ?? 128;
  const newTokens = intFlag('bench', v, 'new-tokens', 1) ?? 128;
  const seed = intFlag('bench', v, 'seed', 0, 2 ** 32 - 1) ?? 0;
  const matmulTflops = numberFlag('bench', v, 'matmul-tflops', 0);
  if (matmulTflops === 0) throw new UsageError("cria bench: --matmul-tflops must be a positive number (the device's measured bf16 matmul TFLOP/s), got '0'");
  const copyMib = intFlag('bench', v, 'copy-mib', 1, 1 << 20);
  const bounds = !v['no-bounds'];
  const warmup = !v['no-warmup'];
  const capture = !v['no-capture'];
  const separateOps = v['separate-ops'] === true;
  if (!bounds && copyMib !== undefined) throw new UsageError('cria bench: --copy-mib sizes the copy measurement, which --no-bounds skips; pass one of them');
  const copyBytes = (copyMib ?? 256) * 2 ** 20;

  const loadStart = performance.now();
  let model: LlamaForCausalLM;
  if (v.shape !== undefined) {
    const shape = Object.hasOwn(MODEL_SHAPES, String(v.shape)) ? MODEL_SHAPES[String(v.shape) as keyof typeof MODEL_SHAPES] : undefined;
    if (!shape) throw new UsageError(`cria bench: --shape must be one of ${Object.keys(MODEL_SHAPES).join(', ')}, got '${String(v.shape)}'`);
    const config = LlamaConfig.from_dict({ architectures: ['LlamaForCausalLM'], ...shape });
    model = new LlamaForCausalLM(config, await backendFor(device, threads, separateOps));
    initRandomWeights(model, { dtype: dtype === 'auto' ? 'float32' : dtype, seed });
  } else {
    const backend = await backendFor(device, threads, separateOps);
    model = await loadWithProgress((progress_callback) => LlamaForCausalLM.from_pretrained(String(v.model), { device: backend, dtype, progress_callback }));
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  try {
    const config = model.config;
    if (promptLength + newTokens > config.max_position_embeddings) {
      throw new UsageError(`cria bench: --prompt-length + --new-tokens (${promptLength + newTokens}) exceed max_position_embeddings ${config.max_position_embeddings}`);
    }
    const rng = new Mulberry32(seed + 1);
    const prompt = Array.from({ length: promptLength }, () => Math.floor(rng.next() * config.vocab_size));
    const options = { eos_token_id: null, do_sample: false, capture_decode_step: capture } as const;
    if (warmup) {
      await model.generate([prompt.slice(0, WARMUP_PROMPT)], { ...options, max_new_tokens: WARMUP_NEW_TOKENS, min_new_tokens: WARMUP_NEW_TOKENS });
      await model.backend.synchronize();
    }
    const { timing } = await timedGenerate(model, prompt, { ...options, max_new_tokens: newTokens, min_new_tokens: newTokens });
    // generate() decodes through a captured step under these same conditions (see its capture_decode_step).
    const decodeStep = capture && newTokens > 2 && canCaptureDecodeStep(model) ? 'captured' : 'op by op';
    const bytes = weightBytes(model);
    const copy = bounds ? await measureCopy(model.backend, copyBytes) : null;
    const flops = prefillFlops(flopShapeOf(model), promptLength);
    const prefillFlopsPerSecond = flops.perToken * timing.prefillTokensPerSecond;
    const decodeBound = copy ? copy.bytesPerSecond / bytes.decodeStep : null;
    const report = {
      model: v.shape !== undefined ? `random ${String(v.shape)}` : String(v.model),
      shape: shapeSummary(config),
      backend: model.device,
      device_description: describeDevice(model.backend),
      threads: threadsOf(model.backend),
      dtype: v.shape !== undefined && dtype === 'auto' ? 'float32' : dtype,
      weight_bytes: bytes.all,
      decode_weight_bytes: bytes.decodeStep,
      load_seconds: round(loadSeconds),
      warmup,
      decode_step: decodeStep,
      ops: separateOps ? 'separate' : 'fused',
      prompt_length: promptLength,
      new_tokens: timing.newTokens,
      prefill_tokens_per_second: round(timing.prefillTokensPerSecond),
      decode_tokens_per_second: round(timing.decodeTokensPerSecond),
      copy_bytes: copy?.bytes ?? null,
      copy_timer: copy?.timer ?? null,
      copy_bytes_per_second: copy ? Math.round(copy.bytesPerSecond) : null,
      decode_bound_tokens_per_second: decodeBound === null ? null : significant(decodeBound),
      decode_fraction_of_bound: decodeBound === null ? null : significant(timing.decodeTokensPerSecond / decodeBound),
      prefill_flops_per_token: Math.round(flops.perToken),
      prefill_flops_per_second: significant(prefillFlopsPerSecond),
      matmul_tflops: matmulTflops ?? null,
      prefill_fraction_of_matmul_rate: matmulTflops === undefined ? null : significant(prefillFlopsPerSecond / (matmulTflops * 1e12)),
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    model.dispose();
  }
}

/** The backend for `device`, or (separateOps) a view of it that runs the fused ops as the separate ops. */
async function backendFor(device: (typeof DEVICES)[number], threads: number | undefined, separateOps: boolean): Promise<Backend> {
  const backend = await getBackend(device, threads === undefined ? {} : { threads });
  return separateOps ? withoutOps(backend, FUSED_OPS) : backend;
}

/** The backend's copy bandwidth, or null (with a note on stderr) where it cannot measure one. */
async function measureCopy(backend: Backend, bytes: number): Promise<CopyBandwidth | null> {
  if (!supportsCopyBandwidth(backend)) {
    process.stderr.write(`cria bench: backend '${backend.name}' cannot measure its copy bandwidth; the decode bound is left null\n`);
    return null;
  }
  return backend.measureCopyBandwidth(bytes);
}

/** The host threads a cpu backend runs its kernels on, else null. */
function threadsOf(backend: Backend): number | null {
  const threads = (backend as { runner?: { threads?: unknown } }).runner?.threads;
  return typeof threads === 'number' ? threads : null;
}

/** The adapter or device in words where the backend says (webgpu's description, cuda's device name). */
function describeDevice(backend: Backend): string | null {
  const { description, deviceInfo } = backend as { description?: unknown; deviceInfo?: { name?: unknown } };
  if (typeof description === 'string') return description;
  if (typeof deviceInfo?.name === 'string') return deviceInfo.name;
  return null;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** x to 4 significant digits. */
function significant(x: number): number {
  return Number(x.toPrecision(4));
}
