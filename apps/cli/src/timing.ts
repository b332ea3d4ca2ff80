// Prefill and decode speed of one generate() run, measured from the streamer's first token.
import type { LlamaForCausalLM } from '@cria/models';

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

export type GenerateArgs = Parameters<LlamaForCausalLM['generate']>;

/** Runs model.generate for one prompt and times it; `onToken` sees every streamed event. */
export async function timedGenerate(
  model: LlamaForCausalLM,
  prompt: number[],
  options: NonNullable<GenerateArgs[1]>,
  onSample?: () => void,
): Promise<{ sequence: number[]; timing: GenerationTiming }> {
  const userStreamer = options.streamer;
  const start = performance.now();
  let first = 0;
  let count = 0;
  const [sequence] = await model.generate([prompt], {
    ...options,
    streamer: (event) => {
      if (count++ === 0) first = performance.now();
      onSample?.();
      userStreamer?.(event);
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
