// @cria/convert: Meta checkpoints to Hugging Face layout, through a PyTorch reader that runs no code.
export { openPytorchCheckpoint, type PytorchCheckpoint, type PytorchTensorInfo } from './pytorch/checkpoint.js';
export { createPytorchCheckpointWriter, type PytorchCheckpointWriter, type PytorchTensorSpec, type PytorchWriterOptions } from './pytorch/checkpoint-writer.js';
export { createShardedPytorchWriter, type ShardedPytorchWriter } from './pytorch/sharded-bin-writer.js';
export { encodeTorchSavePickle, type TorchSaveTensor } from './pytorch/torch-save-pickle.js';
export { TorchPicklePolicy, allowedGlobalNames, type TensorRef, type StorageRef, type TorchDType } from './pytorch/torch-policy.js';
export { unpickle, DEFAULT_UNPICKLE_LIMITS, type PicklePolicy, type UnpickleLimits } from './pickle/unpickler.js';
export { PickleBuilder } from './pickle/pickle-builder.js';
export { PickleError, PickleDict, PickleTuple, PickleSet, PickleGlobal, type PickleValue } from './pickle/values.js';
export { ZipArchive, type ZipEntry } from './zip/zip-reader.js';
export { ZipWriter, type ZipWriterOptions } from './zip/zip-writer.js';
export { convertMetaCheckpoint, findShardFiles, type ConvertMetaOptions, type ConvertMetaResult, type ConvertProgress } from './convert/convert-meta.js';
export { buildHfConfig, buildGenerationConfig, tokenIds, pythonJson } from './convert/hf-config.js';
export { readMetaParams, parseMetaParams, computeIntermediateSize, type MetaParams } from './convert/meta-params.js';
export { planTensors, permutedRow, type PlannedTensor } from './convert/tensor-plan.js';
export { LLAMA_VERSIONS, NUM_SHARDS, CONTEXT_LENGTH_FOR_VERSION, isLlama3, parseLlamaVersion, type LlamaVersion } from './convert/llama-versions.js';
export { OUTPUT_DTYPES, isOutputDType, type FloatDType } from './convert/dtype-cast.js';
export { convertLlamaTokenizer, type TokenizerConversionResult } from './convert/tokenizer.js';
export * from './gguf/index.js';
