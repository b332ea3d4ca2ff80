import { ArgumentError } from '@cria/core';
import { type JsonSource, readJsonObject, writeJsonFile } from './json-source.js';

export const CONFIG_NAME = 'config.json';

/**
 * The fields every transformers config shares. Fields are snake_case as in config.json; keys this
 * class does not know are kept as they are and written back by `to_dict()`.
 */
export class PretrainedConfig {
  [key: string]: unknown;

  model_type = '';
  architectures: string[] | null = null;
  /** The weights' dtype as saved (transformers 5's `dtype`; 4.x wrote `torch_dtype`, an alias here too). */
  dtype: string | null = null;
  num_labels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type: 'regression' | 'single_label_classification' | 'multi_label_classification' | null = null;
  output_hidden_states = false;
  output_attentions = false;
  return_dict = true;

  /** Copies `dict` onto this config (known and unknown keys alike). Subclasses validate afterwards. */
  protected assign(dict: Record<string, unknown>): void {
    const { dtype, torch_dtype: torchDtype, ...rest } = dict;
    for (const [name, value] of [['dtype', dtype], ['torch_dtype', torchDtype]] as const) {
      if (value !== undefined && value !== null && typeof value !== 'string') {
        throw new ArgumentError(`config field '${name}' must be a string or null, got ${typeof value}`);
      }
    }
    if (dtype !== undefined && dtype !== null && torchDtype !== undefined && torchDtype !== null && dtype !== torchDtype) {
      throw new ArgumentError(`config fields 'dtype' ('${String(dtype)}') and 'torch_dtype' ('${String(torchDtype)}') disagree; give one of them, or the same value in both`);
    }
    if ((dtype ?? torchDtype) !== undefined) this.dtype = (dtype ?? torchDtype) as string | null;
    for (const [key, value] of Object.entries(rest)) this[key] = value;
    if (this.num_labels === undefined && this.id2label) this.num_labels = Object.keys(this.id2label).length;
  }

  /** transformers' deprecated alias of `dtype`. */
  get torch_dtype(): string | null {
    return this.dtype;
  }

  set torch_dtype(value: string | null) {
    this.dtype = value;
  }

  /** The number of labels of classification heads (transformers' default is 2). */
  get numLabels(): number {
    const n = this.num_labels ?? (this.id2label ? Object.keys(this.id2label).length : 2);
    if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`config field 'num_labels' must be a positive integer, got ${String(n)}`);
    return n;
  }

  static from_dict<T extends PretrainedConfig>(this: new () => T, dict: Record<string, unknown>): T {
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new ArgumentError('config must be a JSON object');
    const config = new this();
    config.assign(dict);
    config.validate();
    return config;
  }

  static async from_pretrained<T extends PretrainedConfig>(
    this: new () => T,
    source: string | JsonSource,
    overrides: Record<string, unknown> = {},
  ): Promise<T> {
    const dict = await readJsonObject(source, CONFIG_NAME);
    const config = new this();
    config.assign(dict);
    // Overrides come after the file, as transformers sets from_pretrained's kwargs on the loaded config.
    config.assign(overrides);
    config.validate();
    return config;
  }

  /** Checks the fields; throws an ArgumentError naming the field. The base class has nothing to check. */
  validate(): void {}

  /** Every field as a plain JSON object (unknown keys included). */
  to_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (value === undefined || typeof value === 'function') continue;
      out[key] = structuredClone(value);
    }
    // transformers 5 writes `dtype`; 4.x before 4.56 reads only `torch_dtype`.
    if (this.dtype !== null) out.torch_dtype = this.dtype;
    return out;
  }

  to_json_string(): string {
    return JSON.stringify(this.to_dict(), null, 2) + '\n';
  }

  async save_pretrained(dir: string): Promise<void> {
    await writeJsonFile(dir, CONFIG_NAME, this.to_json_string());
  }
}
