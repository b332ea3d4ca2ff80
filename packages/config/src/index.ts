export { PretrainedConfig, CONFIG_NAME } from './pretrained-config.js';
export { LlamaConfig } from './llama-config.js';
export { GenerationConfig, GENERATION_CONFIG_NAME } from './generation-config.js';
export { AutoConfig, CONFIG_MAPPING } from './auto-config.js';
export { type RopeScaling, type RopeType, ROPE_TYPES, ropeTypeOf, validateRopeScaling } from './rope-scaling.js';
export { type JsonSource, directorySource, toJsonSource, readJsonObject } from './json-source.js';
