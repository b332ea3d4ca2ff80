// Prefill and decode speed of one generate() run, measured from the streamer's first new token.
import type { GenerateOptions, LlamaForCausalLM, Streamer } from '@cria/models';

export interface GenerationTiming {
  promptLength: number;
  newTokens: number;
  prefillSeconds: number;
  decodeSeconds: number;
  /** Prompt tokens per second up to the first new token. */
  prefillTokensPerSecond: number;
  /** New tokens after the first per second. */
  decodeTokensPerSecond: number;
}

/** generate()'s options with a streamer object (it sees the prompt, each new token, the end). */
export type TimedOptions = Omit<GenerateOptions, 'streamer'> & { streamer?: Streamer };

/** Runs model.generate for one prompt and times it; options.streamer is passed every put() and the end(). */
export async function timedGenerate(
  model: LlamaForCausalLM,
  prompt: number[],
  options: TimedOptions,
): Promise<{ sequence: number[]; timing: GenerationTiming }> {
  const inner = options.streamer;
  const start = performance.now();
  let first = 0;
  let puts = 0;
  const [sequence] = await model.generate([prompt], {
    ...options,
    streamer: {
      put: (ids) => {
        if (++puts === 2) first = performance.now(); // the prompt's put, then the first new token's
        inner?.put(ids);
      },
      end: () => inner?.end(),
    },
  });
  const end = performance.now();
  const newTokens = sequence!.length - prompt.length;
  const prefillSeconds = (first - start) / 1000;
  const decodeSeconds = (end - first) / 1000;
  return {
    sequence: sequence!,
    timing: {
      promptLength: prompt.length,
      newTokens,
      prefillSeconds,
      decodeSeconds,
      prefillTokensPerSecond: prompt.length / prefillSeconds,
      decodeTokensPerSecond: newTokens > 1 ? (newTokens - 1) / decodeSeconds : 0,
    },
  };
}
