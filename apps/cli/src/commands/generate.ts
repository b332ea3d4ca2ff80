// cria generate: stream a completion to stdout, prefill and decode speed to stderr.
import type { LlamaForCausalLM } from '@cria/models';
import { UsageError, idsFlag, parseFlags } from '../args.js';
import { timedGenerate } from '../timing.js';
import { GENERATION_FLAGS, GENERATION_FLAGS_HELP, type GenerationFlags, parseGenerationFlags } from './generation-flags.js';
import { loadModel, loadModelAndTokenizer } from './model-loading.js';
import { formatTiming, generateReply } from './run-generation.js';

export const GENERATE_HELP = `cria generate --model <dir> [--prompt TEXT | --prompt-ids 1,2,3] ${GENERATION_FLAGS_HELP}
  Streams the completion to stdout; prints prefill and decode tokens/s to stderr. --max-new-tokens
  defaults to 64. Sampling when --temperature, --top-k or --top-p is given (and --temperature is not 0);
  greedy otherwise. With --prompt-ids the new token ids are printed instead of text.`;

const FLAGS = {
  ...GENERATION_FLAGS,
  prompt: { type: 'string' },
  'prompt-ids': { type: 'string' },
} as const;

/** Unlike chat and serve, generate is greedy unless a sampling flag asks otherwise. */
const GREEDY = { do_sample: false } as const;

export async function generateCommand(argv: string[]): Promise<void> {
  const v = parseFlags('generate', argv, FLAGS);
  if (v.help) {
    process.stdout.write(GENERATE_HELP + '\n');
    return;
  }
  const flags = parseGenerationFlags('generate', v, 64, GREEDY);
  if (v.prompt !== undefined && v['prompt-ids'] !== undefined) throw new UsageError('cria generate: pass --prompt or --prompt-ids, not both');
  const timingLabel = (model: LlamaForCausalLM): string => `${model.device} ${flags.dtype}`;

  const promptIds = idsFlag('generate', v, 'prompt-ids');
  if (promptIds !== undefined) {
    const model = await loadModel(flags);
    try {
      await streamIds(model, promptIds, flags, timingLabel(model));
    } finally {
      model.dispose();
    }
    return;
  }

  const text = String(v.prompt ?? '');
  const { model, tokenizer } = await loadModelAndTokenizer(flags);
  try {
    const prompt = orBos(model, tokenizer.encode(text));
    if (text !== '') process.stdout.write(text);
    const reply = await generateReply(model, tokenizer, {
      prompt,
      maxNewTokens: flags.maxNewTokens,
      sampling: flags.sampling,
      onText: (delta) => process.stdout.write(delta),
    });
    process.stdout.write('\n');
    process.stderr.write(formatTiming(timingLabel(model), reply.timing) + '\n');
  } finally {
    model.dispose();
  }
}

/** Prints each new token id followed by a space, then the speeds. */
async function streamIds(model: LlamaForCausalLM, ids: number[], flags: GenerationFlags, label: string): Promise<void> {
  const { timing } = await timedGenerate(model, orBos(model, ids), {
    max_new_tokens: flags.maxNewTokens,
    ...flags.sampling,
    streamer: ({ token }) => process.stdout.write(`${token} `),
  });
  process.stdout.write('\n');
  process.stderr.write(formatTiming(label, timing) + '\n');
}

/** An empty prompt starts from the BOS token. */
function orBos(model: LlamaForCausalLM, prompt: number[]): number[] {
  return prompt.length > 0 ? prompt : [model.generation_config.bos_token_id ?? model.config.bos_token_id ?? 1];
}
