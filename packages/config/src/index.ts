export { PretrainedConfig, CONFIG_NAME } from './pretrained-config.js';
export { LlamaConfig } from './llama-config.js';
export { GenerationConfig, GENERATION_CONFIG_NAME } from './generation-config.js';
export { AutoConfig, CONFIG_MAPPING } from './auto-config.js';
export { type RopeParameters, type RopeScaling, type RopeType, type RopeFields, ROPE_TYPES, DEFAULT_ROPE_THETA, standardizeRopeParameters, validateRopeParameters, ropeScalingOf, ropeFieldOf } from './rope-parameters.js';
export { type JsonSource, directorySource, toJsonSource, readJsonObject } from './json-source.js';
export { MODEL_SHAPES, shapeSummary } from './model-shapes.js';
export { llamaConfigFromGguf, type GgufTensorFacts } from './gguf-config.js';
export { llama3RopeFactors, llama3ParametersOf, shortestFloat32 } from './llama3-rope-factors.js';
