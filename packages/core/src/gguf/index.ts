export * from './constants.js';
export * from './values.js';
export { MAX_GGUF_HEADER_BYTES, readGguf, type GgufFile, type GgufTensorInfo, type ReadGgufOptions } from './reader.js';
export {
  ggufArray,
  ggufBool,
  ggufNumber,
  ggufOptionalArray,
  ggufOptionalBool,
  ggufOptionalNumber,
  ggufOptionalString,
  ggufString,
  ggufValue,
  type GgufArrayValues,
  type GgufMetadataSource,
} from './getters.js';
export * from './llama-names.js';
