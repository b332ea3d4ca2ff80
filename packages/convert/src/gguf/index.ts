export { GGUF_MAGIC, GGUF_VERSION, GGUF_DEFAULT_ALIGNMENT, GGUF_VALUE_TYPE, GGML_TYPE, GGML_BLOCK, ggmlTypeName, GGML_QUANT_VERSION, LLAMA_FILE_TYPE, TOKEN_TYPE, type GgufScalarType, type GgmlTypeName } from '@cria/core';
export { gguf, type GgufValue, type GgufMetadata, type GgufScalar, type GgufString } from './metadata.js';
export { writeGguf, planGguf, type GgufTensor, type GgufLayout } from './writer.js';
export { ggufTypeFor, llamaGgufTensors, type FloatGgmlType, type HfTensor } from './llama-tensors.js';
export { llamaModelMetadata, llama3RopeFactors, sizeLabel, type LlamaFileTypeName } from './llama-metadata.js';
export { addLlamaVocab, type LlamaTokenizerFiles } from './llama-vocab.js';
export {
  writeLlamaGguf,
  readLlamaGgufSource,
  type LlamaGgufSource,
  type OpenedLlamaGgufSource,
  type ReadLlamaGgufSourceOptions,
  type WriteLlamaGgufOptions,
  type WriteLlamaGgufResult,
} from './llama-gguf.js';
export { QUANT_FILE_TYPES, isQuantFileType, quantTensorType, useMoreBits, type QuantFileType, type QuantTensor } from './quant-plan.js';
