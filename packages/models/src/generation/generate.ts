// generate(): greedy decoding and sampling as one loop of logits processors, over a KV cache.
import { GenerationConfig } from '@cria/config';
import { ArgumentError, CriaError, type Tensor } from '@cria/core';
import { type Cache, DynamicCache } from '../cache.js';
import { DecodeGraph, canCaptureDecodeStep } from './decode-graph.js';
import { type IntInput, type IntRows, positionsFromMask, toIntRows } from '../inputs.js';
import type { LlamaForCausalLM } from '../llama/heads.js';
import type { RowState } from './logits-processors.js';
import { yieldToEventLoop } from './event-loop-yield.js';
import type { DecodingTokenizer } from './incremental-decoder.js';
import { buildProcessorList } from './processor-list.js';
import { Mulberry32 } from './prng.js';
import { planReadback } from './readback-plan.js';
import { RowText } from './row-text.js';
import { stopStringList } from './stop-strings.js';
import { type Streamer, checkStreamer } from './streamers.js';
import { TokenPicker } from './token-picker.js';

export type { DecodingTokenizer } from './incremental-decoder.js';

/** One streamed token (function streamers): its row, its id, and the row's generated text so far (empty without a tokenizer). */
export interface StreamEvent {
  row: number;
  token: number;
  text: string;
}

export interface GenerateOptions {
  max_new_tokens?: number;
  max_length?: number;
  min_new_tokens?: number;
  min_length?: number;
  do_sample?: boolean;
  temperature?: number;
  top_k?: number | null;
  top_p?: number | null;
  min_p?: number | null;
  repetition_penalty?: number;
  no_repeat_ngram_size?: number;
  /** A number, a list, or [] / null for no stopping token (default: the generation config's). */
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
  stop_strings?: string | string[] | null;
  /** Seeds the sampling PRNG (mulberry32); without it the seed is random. */
  seed?: number | null;
  /** [B, S] 0/1: 0 marks left padding. */
  attention_mask?: IntInput;
  /** Starts from this generation config instead of the model's. */
  generation_config?: GenerationConfig;
  /** Needed for stop_strings and for a function streamer's text. */
  tokenizer?: DecodingTokenizer;
  /**
   * An object with put() and end(), as transformers' streamers (e.g. a TextStreamer): put() gets the prompt
   * ids ([B][S]), then each step's new ids ([B][1], pad_token_id for finished rows); end() once generation
   * ends. Or a function, called for each new token of each unfinished row.
   */
  streamer?: Streamer | ((event: StreamEvent) => void);
  signal?: AbortSignal;
  /** A cache to decode into (e.g. a StaticCache); by default a DynamicCache sized for the whole run. */
  past_key_values?: Cache;
  /**
   * Reads every row's whole row of logits back each step and picks on the host. By default (false)
   * only what picking needs is read: B argmax ids for greedy decoding, the top k+1 values and ids per
   * row for top-k sampling (same tokens, same seeded samples); processors that look at the whole row
   * (repetition_penalty, no_repeat_ngram_size, min_new_tokens / min_length) always read it all.
   */
  read_full_logits?: boolean;
  /**
   * Captures one decode step and replays it for every later token where the backend can (CUDA graphs on
   * 'cuda'): the same tokens, one launch per step instead of hundreds. Default true; false runs each step's ops
   * one by one.
   */
  capture_decode_step?: boolean;
}

const CONFIG_FIELDS = [
  'max_new_tokens', 'max_length', 'min_new_tokens', 'min_length', 'do_sample', 'temperature', 'top_k', 'top_p', 'min_p',
  'repetition_penalty', 'no_repeat_ngram_size', 'eos_token_id', 'pad_token_id', 'stop_strings', 'seed',
] as const;

/** Inputs as generate() accepts them: ids, or { input_ids, attention_mask } as a tokenizer returns. */
export type GenerateInputs = IntInput | number[][] | { input_ids: IntInput; attention_mask?: IntInput };

/** Left-pads rows of unequal length with `pad` and returns the matching mask. */
function leftPad(rows: number[][], pad: number): { ids: IntRows; mask: IntRows } {
  const width = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...Array<number>(width - r.length).fill(pad), ...r]),
    mask: rows.map((r) => [...Array<number>(width - r.length).fill(0), ...Array<number>(r.length).fill(1)]),
  };
}

/**
 * transformers' generate() for decoder-only models without beam search: returns every row's
 * sequence including the prompt (finished rows are filled with pad_token_id up to the longest).
 */
export async function generate(model: LlamaForCausalLM, inputs: GenerateInputs, options: GenerateOptions = {}): Promise<number[][]> {
  const overrides: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) if (options[field] !== undefined) overrides[field] = options[field];
  if (overrides.eos_token_id === null || (Array.isArray(overrides.eos_token_id) && overrides.eos_token_id.length === 0)) overrides.eos_token_id = null;
  const streamer = checkStreamer(options.streamer);
  const config = (options.generation_config ?? model.generation_config).update(overrides);
  const eos = config.eosTokenIds;
  const pad = config.pad_token_id ?? eos[0] ?? 0;

  const given = typeof inputs === 'object' && inputs !== null && !Array.isArray(inputs) && 'input_ids' in inputs ? inputs : { input_ids: inputs as IntInput };
  let ids: IntRows;
  let mask: IntRows;
  const maskInput = options.attention_mask ?? (given as { attention_mask?: IntInput }).attention_mask;
  const raw = given.input_ids;
  if (Array.isArray(raw) && Array.isArray(raw[0]) && new Set((raw as number[][]).map((r) => r.length)).size > 1 && maskInput === undefined) {
    ({ ids, mask } = leftPad(raw as number[][], pad));
    await toIntRows(ids, 'input_ids');
  } else {
    ids = await toIntRows(raw, 'input_ids');
    mask = maskInput !== undefined ? await toIntRows(maskInput, 'attention_mask') : ids.map((row) => row.map(() => 1));
    if (mask.length !== ids.length || mask[0]!.length !== ids[0]!.length) {
      throw new ArgumentError(`attention_mask must have the shape of input_ids [${ids.length}, ${ids[0]!.length}]`);
    }
  }
  const promptLength = ids[0]!.length;
  const maxNew = config.max_new_tokens ?? config.max_length - promptLength;
  const sequences = ids.map((row) => [...row]);
  const stopStrings = stopStringList(config.stop_strings);
  if (stopStrings.length && !options.tokenizer) throw new ArgumentError("generate: 'stop_strings' needs the 'tokenizer' option to decode the text");
  const onToken = typeof streamer === 'function' ? streamer : undefined;
  const sink = typeof streamer === 'object' ? streamer : undefined;
  sink?.put(ids.map((row) => [...row]));
  if (maxNew <= 0) {
    sink?.end();
    return sequences;
  }
  const tokenizer = options.tokenizer;
  const texts = tokenizer && (onToken || stopStrings.length) ? ids.map(() => new RowText(tokenizer, stopStrings, onToken !== undefined)) : null;

  const list = buildProcessorList(config);
  const rng = new Mulberry32(config.seed ?? Math.floor(Math.random() * 2 ** 32));
  const plan = planReadback(model.backend, config.do_sample, list, model.config.vocab_size, options.read_full_logits ?? false);
  const picker = new TokenPicker(plan, model.backend, list, config.do_sample, () => rng.next());
  const unfinished = ids.map(() => true);
  const ownCache = !options.past_key_values;
  const cache = options.past_key_values ?? new DynamicCache({ capacity: promptLength + maxNew });
  let stepIds: IntRows = ids;
  let stepPositions = positionsFromMask(mask);
  // A capture pays off from the third token on (the first comes from the prompt's forward).
  const captureSteps = (options.capture_decode_step ?? true) && maxNew > 2 && canCaptureDecodeStep(model);
  let graph: DecodeGraph | undefined;
  try {
    for (let step = 0; step < maxNew; step++) {
      // A CPU step never waits on I/O: give timers, sockets and signals (and so aborts) their turn.
      await yieldToEventLoop();
      if (options.signal?.aborted) throw new CriaError('generate: aborted', { cause: options.signal.reason });
      let logits: Tensor;
      if (step > 0 && captureSteps) {
        // Decode through the captured step; captured again if the cache was given new tensors (it grew).
        const layers = await cache.prepare(model.backend, model.model.cacheShape(ids.length), 1);
        if (!graph?.uses(layers)) {
          graph?.dispose();
          graph = new DecodeGraph(model, layers, mask.some((row) => row.includes(0)) ? mask : null);
        }
        logits = graph.run(stepIds.map((row) => row[0]!), stepPositions.map((row) => row[0]!), cache.get_seq_length());
        cache.advance(1);
      } else {
        const out = await model.forward({ input_ids: stepIds, attention_mask: mask, position_ids: stepPositions, past_key_values: cache, use_cache: true, logits_to_keep: 1 });
        out.last_hidden_state.dispose();
        logits = out.logits!;
      }
      const rows: RowState[] = sequences.map((row) => ({ ids: row, newTokens: step }));
      let picked: number[];
      try {
        picked = await picker.pick(logits, rows);
      } finally {
        logits.dispose();
      }
      const next: number[] = [];
      for (let i = 0; i < picked.length; i++) {
        let token = picked[i]!;
        if (!unfinished[i]) token = pad;
        next.push(token);
        sequences[i]!.push(token);
        if (unfinished[i]) {
          const { text, stop } = texts ? texts[i]!.push(token) : { text: '', stop: false };
          onToken?.({ row: i, token, text });
          if (eos.includes(token) || stop) unfinished[i] = false;
        }
      }
      sink?.put(next.map((token) => [token]));
      if (!unfinished.some(Boolean)) break;
      mask = mask.map((row) => [...row, 1]);
      stepIds = next.map((t) => [t]);
      stepPositions = stepPositions.map((row) => [row[row.length - 1]! + 1]);
    }
    sink?.end();
  } finally {
    graph?.dispose(); // before the cache it was captured over
    if (ownCache) cache.dispose();
  }
  return sequences;
}
