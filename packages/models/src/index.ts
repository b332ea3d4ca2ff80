export { LlamaModel, type ForwardInput } from './llama/llama-model.js';
export {
  LlamaForCausalLM,
  LlamaForSequenceClassification,
  LlamaForTokenClassification,
  LlamaForQuestionAnswering,
  type CausalLMInput,
  type SequenceClassificationInput,
  type TokenClassificationInput,
  type QuestionAnsweringInput,
} from './llama/heads.js';
export { computeRope, type RopeTable } from './llama/rope.js';
export { LlamaPreTrainedModel, type FromPretrainedOptions, type AttnImplementation, type ProgressCallback, type ProgressInfo } from './pretrained-model.js';
export { Cache, DynamicCache, StaticCache, type LayerCache } from './cache.js';
export { type ModelOutput, type BaseModelOutput, disposeOutput } from './modeling-outputs.js';
export { type LoadDType, type WeightSource } from './loading/load-weights.js';
export {
  AutoModel,
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoModelForTokenClassification,
  AutoModelForQuestionAnswering,
  MODEL_CLASSES,
  modelClassFor,
} from './auto.js';
export { generate, type GenerateOptions, type GenerateInputs, type StreamEvent, type DecodingTokenizer } from './generation/generate.js';
export { BaseStreamer, TextStreamer, type Streamer, type StreamerIds, type TextStreamerOptions } from './generation/streamers.js';
export { initRandomWeights, type RandomWeightsOptions } from './loading/random-weights.js';
export { Mulberry32 } from './generation/prng.js';
export {
  pipeline,
  PIPELINE_TASKS,
  type PipelineTask,
  type PipelineOptions,
  type PipelineFor,
  type TextGenerationPipeline,
  type TextClassificationPipeline,
  type TokenClassificationPipeline,
  type QuestionAnsweringPipeline,
} from './pipeline.js';
export { DecodeGraph, canCaptureDecodeStep } from './generation/decode-graph.js';
export { FUSED_OPS } from './nn/ops.js';
