import { FileFormatError } from '@cria/core';
import { type JsonSource, readJsonObject, toJsonSource } from './json-source.js';
import { LlamaConfig } from './llama-config.js';
import { CONFIG_NAME, type PretrainedConfig } from './pretrained-config.js';

type ConfigClass = { from_dict(dict: Record<string, unknown>): PretrainedConfig };

/** model_type -> config class. cria knows the Llama family only. */
export const CONFIG_MAPPING: Record<string, ConfigClass> = { llama: LlamaConfig };

/** As transformers' AutoConfig: picks the config class from `model_type`. */
export class AutoConfig {
  static async from_pretrained(source: string | JsonSource, overrides: Record<string, unknown> = {}): Promise<PretrainedConfig> {
    const src = toJsonSource(source);
    const dict = { ...(await readJsonObject(src, CONFIG_NAME)), ...overrides };
    return AutoConfig.for_dict(dict, `${src.name}/${CONFIG_NAME}`);
  }

  static for_dict(dict: Record<string, unknown>, where = 'config'): PretrainedConfig {
    const type = dict.model_type;
    if (typeof type !== 'string') throw new FileFormatError(where, `field 'model_type' is missing; expected one of ${Object.keys(CONFIG_MAPPING).join(', ')}`);
    const cls = CONFIG_MAPPING[type];
    if (!cls) throw new FileFormatError(where, `field 'model_type' is '${type}'; cria supports ${Object.keys(CONFIG_MAPPING).join(', ')}`);
    return cls.from_dict(dict);
  }
}
