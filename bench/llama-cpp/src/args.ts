// Command-line flags of the bench.
import { parseArgs } from 'node:util';
import { SHAPES } from './shapes.js';
import type { WeightDType } from './checkpoint.js';

export const HELP = `node bench/llama-cpp/dist/main.js [--shape stories110M|llama-3.2-1b] [--dtype float32|float16|bfloat16|q8_0|q4_k_m|...]
    [--threads N (2)] [--prompt-length N (128)] [--new-tokens N (128)] [--repetitions N (3)] [--quick]
    [--device cpu|auto|webgpu|cuda|reference (cpu)] [--cpu-build addon|wasm] [--seed N (0)] [--cache DIR] [--no-mmap] [--llama-kv F16|F32 (F16)] [--no-warmup]
  cria (AutoModelForCausalLM.from_pretrained(dir, { device })) and llama.cpp (node-llama-cpp 3.21.1, prebuilt CPU build)
  on the same seeded random-weight checkpoint and its GGUF, interleaved, each run in its own process; prints one JSON
  object: per-engine medians and samples of prefill tokens/s, decode tokens/s (batch 1, greedy), time to first token
  from the start of the load, and the ratios cria / llama.cpp.
  --quick: prompt 16, 8 new tokens, 1 repetition (explicit flags win).
  Each sample loads the model in a fresh process, runs an untimed warm-up generation (16 prompt tokens, 3 new; its
  first token gives the time to first token), then the timed one. --no-warmup times the first generation itself.
  --cache: where checkpoints are written once (default node_modules/.cache/cria-bench-llama-cpp here; $CRIA_BENCH_CACHE).
  --no-mmap: both engines read the weights at load (default: both map them from their files, as each does by default).
  --cpu-build: which build of cria's cpu backend runs (default: the one device 'cpu' picks, the addon where built);
    wasm reads its weights into its memory, so it needs --no-mmap.
  --llama-kv: llama.cpp's KV cache type (F16 is its default, what its users run).
  --dtype q8_0, q4_k_m, ...: a GGUF quantized from the float16 checkpoint as llama-quantize mixes that type; both
    engines load that one file.
node bench/llama-cpp/dist/main.js --check-greedy [--device cpu]
  llama.cpp's greedy ids on fixtures/models/llama2c-260k (the GGUF cria writes) against cria's and run.c's.`;

export class UsageError extends Error {}

export interface BenchOptions {
  shape: string;
  dtype: WeightDType;
  threads: number;
  promptLength: number;
  newTokens: number;
  repetitions: number;
  device: string;
  /** The cpu backend's build (createBackend({ build })), or undefined: what device 'cpu' picks. */
  cpuBuild: 'addon' | 'wasm' | undefined;
  seed: number;
  cache: string | undefined;
  mmap: boolean;
  llamaKv: 'F16' | 'F32';
  warmup: boolean;
}

export type Command = { kind: 'help' } | { kind: 'bench'; options: BenchOptions } | { kind: 'check-greedy'; device: string; cache: string | undefined } | { kind: 'worker'; engine: string; request: string };

const DTYPES: readonly WeightDType[] = ['float32', 'float16', 'bfloat16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m', 'q5_k_m', 'q6_k'];
const DEVICES = ['cpu', 'auto', 'webgpu', 'cuda', 'reference'];

function int(name: string, value: string | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

export function parseCommand(argv: string[]): Command {
  let values;
  try {
    ({ values } = parseArgs({
      // `pnpm bench -- --flags` passes the `--` on
      args: argv[0] === '--' ? argv.slice(1) : argv,
      strict: true,
      options: {
        shape: { type: 'string' }, dtype: { type: 'string' }, threads: { type: 'string' }, 'prompt-length': { type: 'string' },
        'new-tokens': { type: 'string' }, repetitions: { type: 'string' }, quick: { type: 'boolean' }, device: { type: 'string' }, 'cpu-build': { type: 'string' },
        seed: { type: 'string' }, cache: { type: 'string' }, 'no-mmap': { type: 'boolean' }, 'llama-kv': { type: 'string' }, 'no-warmup': { type: 'boolean' }, 'check-greedy': { type: 'boolean' },
        worker: { type: 'string' }, request: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.worker !== undefined) return { kind: 'worker', engine: values.worker, request: values.request ?? '' };
  const device = values.device ?? 'cpu';
  if (!DEVICES.includes(device)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got '${device}'`);
  const cache = values.cache ?? process.env.CRIA_BENCH_CACHE;
  if (values['check-greedy']) return { kind: 'check-greedy', device, cache };
  const shape = values.shape ?? 'stories110M';
  if (!Object.hasOwn(SHAPES, shape)) throw new UsageError(`--shape must be one of ${Object.keys(SHAPES).join(', ')}, got '${shape}'`);
  const dtype = (values.dtype ?? 'float32') as WeightDType;
  if (!DTYPES.includes(dtype)) throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}, got '${dtype}'`);
  const quick = values.quick === true;
  const cpuBuild = values['cpu-build'];
  if (cpuBuild !== undefined && cpuBuild !== 'addon' && cpuBuild !== 'wasm') throw new UsageError(`--cpu-build must be addon or wasm, got '${cpuBuild}'`);
  if (cpuBuild !== undefined && device !== 'cpu') throw new UsageError(`--cpu-build picks a build of the cpu backend: it needs --device cpu, got '${device}'`);
  if (cpuBuild === 'wasm' && values['no-mmap'] !== true) throw new UsageError(`--cpu-build wasm reads the weights into its memory: add --no-mmap so both engines read them`);
  const llamaKv = values['llama-kv'] ?? 'F16';
  if (llamaKv !== 'F16' && llamaKv !== 'F32') throw new UsageError(`--llama-kv must be F16 or F32, got '${llamaKv}'`);
  return {
    kind: 'bench',
    options: {
      shape,
      dtype,
      threads: int('threads', values.threads, 1, 2),
      promptLength: int('prompt-length', values['prompt-length'], 1, quick ? 16 : 128),
      newTokens: int('new-tokens', values['new-tokens'], 2, quick ? 8 : 128),
      repetitions: int('repetitions', values.repetitions, 1, quick ? 1 : 3),
      device,
      cpuBuild,
      seed: int('seed', values.seed, 0, 0),
      cache,
      mmap: values['no-mmap'] !== true,
      llamaKv,
      warmup: values['no-warmup'] !== true,
    },
  };
}
