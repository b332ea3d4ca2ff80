// cria generate: stream a completion to stdout, prefill and decode speed to stderr.
import { type LlamaForCausalLM, type Streamer, TextStreamer } from '@cria/models';
import { UsageError, idsFlag, parseFlags } from '../args.js';
import { timedGenerate } from '../timing.js';
import { GENERATION_FLAGS, GENERATION_FLAGS_HELP, parseGenerationFlags } from './generation-flags.js';
import { loadModel, loadModelAndTokenizer } from './model-loading.js';
import { formatTiming } from './run-generation.js';

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
  const promptIds = idsFlag('generate', v, 'prompt-ids');
  const text = String(v.prompt ?? '');
  const write = (s: string): void => void process.stdout.write(s);

  // --prompt-ids needs no tokenizer: the new ids are printed; --prompt prints its text, then the reply's.
  const { model, tokenizer } = promptIds === undefined ? await loadModelAndTokenizer(flags) : { model: await loadModel(flags), tokenizer: null };
  try {
    const prompt = orBos(model, promptIds ?? tokenizer!.encode(text));
    const streamer = tokenizer ? new TextStreamer(tokenizer, { skip_prompt: true, callback_function: write }) : idPrinter(write);
    if (tokenizer && text !== '') write(text);
    const { timing } = await timedGenerate(model, prompt, { max_new_tokens: flags.maxNewTokens, ...flags.sampling, streamer });
    write('\n');
    process.stderr.write(formatTiming(`${model.device} ${flags.dtype}`, timing) + '\n');
  } finally {
    model.dispose();
  }
}

/** A streamer that prints each new token id followed by a space (the prompt's put is skipped). */
function idPrinter(write: (s: string) => void): Streamer {
  let prompt = true;
  return {
    put: (ids) => {
      if (prompt) prompt = false;
      else for (const id of ids[0]!) write(`${id} `);
    },
    end: () => {
      prompt = true;
    },
  };
}

/** An empty prompt starts from the BOS token. */
function orBos(model: LlamaForCausalLM, prompt: number[]): number[] {
  return prompt.length > 0 ? prompt : [model.generation_config.bos_token_id ?? model.config.bos_token_id ?? 1];
}
