// One timed run of one engine, in its own process: load, prefill the prompt, decode new tokens (greedy, batch 1).

export type EngineName = 'cria' | 'llama.cpp';

export interface SampleRequest {
  /** Hugging Face folder (cria) */
  dir: string;
  /** GGUF file (llama.cpp) */
  gguf: string;
  prompt: number[];
  newTokens: number;
  threads: number;
  /** cria's device */
  device: string;
  /** The cpu backend's build, or undefined: what device 'cpu' picks */
  cpuBuild?: 'addon' | 'wasm';
  /** Both engines: map the weights from their files (cria's use_mmap, llama.cpp's useMmap) instead of reading them */
  mmap: boolean;
  /** llama.cpp's KV cache type (its default is F16) */
  llamaKv: 'F16' | 'F32';
  /**
   * Run a short untimed generation first (the first WARMUP_PROMPT prompt tokens, WARMUP_NEW_TOKENS new ones), so
   * prefill and decode are timed warm; time to first token is then that cold generation's.
   */
  warmup: boolean;
}

export const WARMUP_PROMPT = 16;
export const WARMUP_NEW_TOKENS = 3;

/** What the engine runs before the timed generation: the warm-up's prompt and token count, or null. */
export function warmupOf(req: SampleRequest): { prompt: number[]; newTokens: number } | null {
  return req.warmup ? { prompt: req.prompt.slice(0, WARMUP_PROMPT), newTokens: WARMUP_NEW_TOKENS } : null;
}

export interface Sample {
  engine: EngineName;
  /** from_pretrained / loadModel + createContext */
  load_seconds: number;
  /** from the start of the load to the first new token of the first (cold) generation */
  time_to_first_token_seconds: number;
  /** the prompt length of that first generation */
  time_to_first_token_prompt_tokens: number;
  /** from the start of generation to the first new token */
  prefill_seconds: number;
  prefill_tokens_per_second: number;
  /** from the first new token to the last */
  decode_seconds: number;
  /** new tokens after the first, per second */
  decode_tokens_per_second: number;
  new_tokens: number;
  ids: number[];
  peak_rss_bytes: number;
  details: Record<string, unknown>;
}

/** Times of one generation, in performance.now() milliseconds. */
export function sampleOf(
  engine: EngineName,
  req: SampleRequest,
  t: { loadStart: number; loaded: number; firstToken: number; start: number; first: number; end: number },
  ids: number[],
  details: Record<string, unknown>,
): Sample {
  const s = (ms: number) => ms / 1000;
  const prompt = req.prompt.length;
  const prefill = s(t.first - t.start);
  const decode = s(t.end - t.first);
  return {
    engine,
    load_seconds: s(t.loaded - t.loadStart),
    time_to_first_token_seconds: s(t.firstToken - t.loadStart),
    time_to_first_token_prompt_tokens: warmupOf(req)?.prompt.length ?? prompt,
    prefill_seconds: prefill,
    prefill_tokens_per_second: prompt / prefill,
    decode_seconds: decode,
    decode_tokens_per_second: ids.length > 1 ? (ids.length - 1) / decode : 0,
    new_tokens: ids.length,
    ids,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    details,
  };
}
