// cria bench: prefill and decode speed of one model on one backend, as JSON.
import { LlamaConfig } from '@cria/config';
import { getBackend } from '@cria/core';
import { LlamaForCausalLM, Mulberry32, initRandomWeights } from '@cria/models';
import { DEVICES, DTYPES, UsageError, choiceFlag, intFlag, parseFlags } from '../args.js';
import { loadWithProgress } from '../load-progress.js';
import { timedGenerate } from '../timing.js';

export const BENCH_HELP = `cria bench (--model <dir> | --shape stories110M|llama-3.2-1b|llama-2-7b)
    [--device auto|cpu|webgpu|cuda] [--dtype auto|float32|float16|bfloat16]
    [--prompt-length N (128)] [--new-tokens N (128)] [--seed N]
  Prints JSON: model shape, backend, dtype, prompt length, prefill and decode tokens/s, peak memory.
  --shape builds a model of that shape with random weights (no download).`;

/** Published shapes (config.json fields) of models people run. */
export const SHAPES: Record<string, Record<string, unknown>> = {
  stories110M: { hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 12, num_key_value_heads: 12, vocab_size: 32000, max_position_embeddings: 1024, rms_norm_eps: 1e-5 },
  'llama-3.2-1b': {
    hidden_size: 2048, intermediate_size: 8192, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64,
    vocab_size: 128256, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_theta: 500000, tie_word_embeddings: true,
    rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    bos_token_id: 128000, eos_token_id: 128001,
  },
  'llama-2-7b': { hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5 },
};

const FLAGS = {
  model: { type: 'string' },
  shape: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  'prompt-length': { type: 'string' },
  'new-tokens': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function benchCommand(argv: string[]): Promise<void> {
  const v = parseFlags('bench', argv, FLAGS);
  if (v.help) {
    process.stdout.write(BENCH_HELP + '\n');
    return;
  }
  if ((v.model === undefined) === (v.shape === undefined)) throw new UsageError('cria bench: pass exactly one of --model <dir> and --shape <name>');
  const device = choiceFlag('bench', v, 'device', DEVICES, 'auto');
  const dtype = choiceFlag('bench', v, 'dtype', DTYPES, 'auto');
  const promptLength = intFlag('bench', v, 'prompt-length', 1) ?? 128;
  const newTokens = intFlag('bench', v, 'new-tokens', 1) ?? 128;
  const seed = intFlag('bench', v, 'seed', 0, 2 ** 32 - 1) ?? 0;

  const loadStart = performance.now();
  let model: LlamaForCausalLM;
  if (v.shape !== undefined) {
    const shape = SHAPES[String(v.shape)];
    if (!shape) throw new UsageError(`cria bench: --shape must be one of ${Object.keys(SHAPES).join(', ')}, got '${String(v.shape)}'`);
    const config = LlamaConfig.from_dict({ architectures: ['LlamaForCausalLM'], ...shape });
    model = new LlamaForCausalLM(config, await getBackend(device));
    initRandomWeights(model, { dtype: dtype === 'auto' ? 'float32' : dtype, seed });
  } else {
    model = await loadWithProgress((progress_callback) => LlamaForCausalLM.from_pretrained(String(v.model), { device, dtype, progress_callback }));
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  try {
    const config = model.config;
    if (promptLength + newTokens > config.max_position_embeddings) {
      throw new UsageError(`cria bench: --prompt-length + --new-tokens (${promptLength + newTokens}) exceed max_position_embeddings ${config.max_position_embeddings}`);
    }
    const rng = new Mulberry32(seed + 1);
    const prompt = Array.from({ length: promptLength }, () => Math.floor(rng.next() * config.vocab_size));
    const { timing } = await timedGenerate(model, prompt, { max_new_tokens: newTokens, min_new_tokens: newTokens, eos_token_id: null, do_sample: false });
    const weightBytes = [...new Set(model.namedParameters().map(([, p]) => p))].reduce((sum, p) => sum + p.value.byteLength, 0);
    const report = {
      model: v.shape !== undefined ? `random ${String(v.shape)}` : String(v.model),
      shape: {
        hidden_size: config.hidden_size,
        intermediate_size: config.intermediate_size,
        num_hidden_layers: config.num_hidden_layers,
        num_attention_heads: config.num_attention_heads,
        num_key_value_heads: config.numKvHeads,
        vocab_size: config.vocab_size,
      },
      backend: model.device,
      dtype: v.shape !== undefined && dtype === 'auto' ? 'float32' : dtype,
      weight_bytes: weightBytes,
      load_seconds: round(loadSeconds),
      prompt_length: promptLength,
      new_tokens: timing.newTokens,
      prefill_tokens_per_second: round(timing.prefillTokensPerSecond),
      decode_tokens_per_second: round(timing.decodeTokensPerSecond),
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    model.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
