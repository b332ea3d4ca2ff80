import { ArgumentError } from '@cria/core';
import { type JsonSource, readJsonObject, toJsonSource, writeJsonFile } from './json-source.js';
import type { PretrainedConfig } from './pretrained-config.js';

export const GENERATION_CONFIG_NAME = 'generation_config.json';

/** transformers' GenerationConfig (the fields a decoder-only model uses), snake_case as in generation_config.json. */
export class GenerationConfig {
  [key: string]: unknown;

  max_length = 20;
  max_new_tokens: number | null = null;
  min_length = 0;
  min_new_tokens: number | null = null;
  do_sample = false;
  num_beams = 1;
  temperature = 1.0;
  top_k: number | null = 50;
  top_p: number | null = 1.0;
  min_p: number | null = null;
  repetition_penalty = 1.0;
  no_repeat_ngram_size = 0;
  bos_token_id: number | null = null;
  eos_token_id: number | number[] | null = null;
  pad_token_id: number | null = null;
  stop_strings: string | string[] | null = null;
  use_cache = true;
  /** Not in transformers: the seed of cria's sampling PRNG (null: random). */
  seed: number | null = null;

  constructor(fields: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) this[key] = value;
    this.validate();
  }

  static from_dict(dict: Record<string, unknown>): GenerationConfig {
    return new GenerationConfig(dict);
  }

  static async from_pretrained(source: string | JsonSource): Promise<GenerationConfig> {
    return new GenerationConfig(await readJsonObject(source, GENERATION_CONFIG_NAME));
  }

  /** The generation config of a model directory: generation_config.json when present, else the model config's token ids. */
  static async from_model_dir(source: string | JsonSource, modelConfig?: PretrainedConfig): Promise<GenerationConfig> {
    const src = toJsonSource(source);
    if (await src.exists(GENERATION_CONFIG_NAME)) return GenerationConfig.from_pretrained(src);
    return GenerationConfig.from_model_config(modelConfig ?? {});
  }

  /** As transformers' GenerationConfig.from_model_config: the token ids of the model config. */
  static from_model_config(config: Record<string, unknown>): GenerationConfig {
    const pick: Record<string, unknown> = {};
    for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (config[key] !== undefined) pick[key] = config[key];
    return new GenerationConfig(pick);
  }

  /** A copy with `overrides` applied (undefined values ignored). */
  update(overrides: Record<string, unknown>): GenerationConfig {
    const merged = { ...this.to_dict() };
    for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
    return new GenerationConfig(merged);
  }

  /** eos_token_id as a list. */
  get eosTokenIds(): number[] {
    const eos = this.eos_token_id;
    return eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
  }

  validate(): void {
    const intAtLeast = (field: string, min: number, nullable: boolean): void => {
      const v = this[field];
      if (v === null || v === undefined) {
        if (nullable) return;
        throw new ArgumentError(`generation option '${field}' must be set`);
      }
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
        throw new ArgumentError(`generation option '${field}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      }
    };
    intAtLeast('max_length', 1, false);
    intAtLeast('max_new_tokens', 0, true);
    intAtLeast('min_length', 0, false);
    intAtLeast('min_new_tokens', 0, true);
    intAtLeast('num_beams', 1, false);
    intAtLeast('top_k', 0, true);
    intAtLeast('no_repeat_ngram_size', 0, false);
    if (this.num_beams !== 1) throw new ArgumentError(`generation option 'num_beams' is ${this.num_beams}; only 1 (no beam search) is supported`);
    const num = (field: string, ok: (v: number) => boolean, what: string, nullable = false): void => {
      const v = this[field];
      if ((v === null || v === undefined) && nullable) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ArgumentError(`generation option '${field}' must be ${what}, got ${JSON.stringify(v)}`);
    };
    num('temperature', (v) => v > 0, 'a number > 0');
    num('top_p', (v) => v > 0 && v <= 1, 'a number in (0, 1]', true);
    num('min_p', (v) => v >= 0 && v <= 1, 'a number in [0, 1]', true);
    num('repetition_penalty', (v) => v > 0, 'a number > 0');
    if (this.seed !== null && this.seed !== undefined && (typeof this.seed !== 'number' || !Number.isInteger(this.seed))) {
      throw new ArgumentError(`generation option 'seed' must be an integer, got ${JSON.stringify(this.seed)}`);
    }
    const eos = this.eos_token_id;
    if (eos !== null && eos !== undefined) {
      const list = Array.isArray(eos) ? eos : [eos];
      if (list.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) {
        throw new ArgumentError(`generation option 'eos_token_id' must be an integer or a list of integers, got ${JSON.stringify(eos)}`);
      }
    }
  }

  to_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) if (value !== undefined) out[key] = structuredClone(value);
    return out;
  }

  to_json_string(): string {
    return JSON.stringify(this.to_dict(), null, 2) + '\n';
  }

  async save_pretrained(dir: string): Promise<void> {
    await writeJsonFile(dir, GENERATION_CONFIG_NAME, this.to_json_string());
  }
}
