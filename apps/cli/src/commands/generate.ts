// cria generate: stream a completion to stdout, prefill and decode speed to stderr.
import { LlamaForCausalLM } from '@cria/models';
import { DEVICES, DTYPES, UsageError, choiceFlag, intFlag, numberFlag, parseFlags } from '../args.js';
import { timedGenerate } from '../timing.js';
import { type CliTokenizer, loadTokenizer, parseIds } from '../tokenizer.js';

export const GENERATE_HELP = `cria generate --model <dir> [--prompt TEXT | --prompt-ids 1,2,3] [--max-new-tokens N]
    [--device auto|cpu|webgpu|cuda] [--dtype auto|float32|float16|bfloat16]
    [--temperature T] [--top-k K] [--top-p P] [--seed N]
  Streams the completion to stdout; prints prefill and decode tokens/s to stderr.
  Sampling when --temperature, --top-k or --top-p is given (and --temperature is not 0); greedy otherwise.`;

const FLAGS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'prompt-ids': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function generateCommand(argv: string[]): Promise<void> {
  const v = parseFlags('generate', argv, FLAGS);
  if (v.help) {
    process.stdout.write(GENERATE_HELP + '\n');
    return;
  }
  const dir = v.model;
  if (typeof dir !== 'string' || dir === '') throw new UsageError('cria generate: --model <dir> is required');
  if (v.prompt !== undefined && v['prompt-ids'] !== undefined) throw new UsageError('cria generate: pass --prompt or --prompt-ids, not both');
  const device = choiceFlag('generate', v, 'device', DEVICES, 'auto');
  const dtype = choiceFlag('generate', v, 'dtype', DTYPES, 'auto');
  const maxNewTokens = intFlag('generate', v, 'max-new-tokens', 1) ?? 64;
  const temperature = numberFlag('generate', v, 'temperature', 0);
  const topK = intFlag('generate', v, 'top-k', 0);
  const topP = numberFlag('generate', v, 'top-p', 0, 1);
  const seed = intFlag('generate', v, 'seed', 0, 2 ** 32 - 1);
  if (topP === 0) throw new UsageError('cria generate: --top-p must be in (0, 1]');
  const doSample = temperature !== 0 && (temperature !== undefined || topK !== undefined || topP !== undefined);

  const model = await LlamaForCausalLM.from_pretrained(dir, { device, dtype });
  try {
    let tokenizer: CliTokenizer | undefined;
    let prompt: number[];
    if (v['prompt-ids'] !== undefined) {
      prompt = parseIds('generate', String(v['prompt-ids']));
    } else {
      tokenizer = await loadTokenizer(dir);
      prompt = tokenizer.encode(String(v.prompt ?? ''));
    }
    if (prompt.length === 0) prompt = [model.generation_config.bos_token_id ?? model.config.bos_token_id ?? 1];
    if (tokenizer && v.prompt) process.stdout.write(String(v.prompt));
    let printed = '';
    const { timing } = await timedGenerate(model, prompt, {
      max_new_tokens: maxNewTokens,
      do_sample: doSample,
      ...(temperature !== undefined && temperature > 0 ? { temperature } : {}),
      ...(topK !== undefined ? { top_k: topK } : {}),
      ...(topP !== undefined ? { top_p: topP } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(tokenizer ? { tokenizer } : {}),
      streamer: ({ token, text }) => {
        if (!tokenizer) {
          process.stdout.write(`${token} `);
          return;
        }
        // Hold back a trailing partial UTF-8 character until the next token completes it.
        const stable = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
        if (stable.startsWith(printed)) {
          process.stdout.write(stable.slice(printed.length));
          printed = stable;
        }
      },
    });
    process.stdout.write('\n');
    process.stderr.write(
      `[cria] ${model.device} ${dtype}: prefill ${timing.promptLength} tokens at ${timing.prefillTokensPerSecond.toFixed(1)} tok/s, ` +
        `decode ${timing.newTokens} tokens at ${timing.decodeTokensPerSecond.toFixed(1)} tok/s\n`,
    );
  } finally {
    model.dispose();
  }
}
