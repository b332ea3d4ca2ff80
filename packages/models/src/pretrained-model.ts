import { GenerationConfig, LlamaConfig } from '@cria/config';
import { ArgumentError, type Backend, type DeviceName, getBackend, toModelDirectory, type ModelDirectory } from '@cria/core';
import { LOAD_DTYPES, type LoadDType, loadWeights } from './loading/load-weights.js';
import { openCheckpoint } from './loading/open-checkpoint.js';
import type { ForwardInput } from './llama/llama-model.js';
import type { ModelOutput } from './modeling-outputs.js';
import { Module } from './nn/module.js';

export type AttnImplementation = 'eager' | 'sdpa' | 'flash_attention_2';
export const ATTN_IMPLEMENTATIONS: readonly AttnImplementation[] = ['eager', 'sdpa', 'flash_attention_2'];

export interface FromPretrainedOptions {
  /** 'auto' tries cuda, webgpu, then cpu. */
  device?: DeviceName;
  /** 'auto' keeps the stored dtype of each weight matrix. */
  dtype?: LoadDType;
  /** 'eager' materialises attention weights; 'sdpa' and 'flash_attention_2' use the fused op (same outputs). */
  attn_implementation?: AttnImplementation;
  /** A config to use instead of (or fields to override in) config.json. */
  config?: LlamaConfig | Record<string, unknown>;
}

type ModelClass<T> = (new (config: LlamaConfig, backend: Backend) => T) & { basePrefix: string };

/** What every Llama model class shares: config, backend, generation config, from_pretrained, dispose. */
export abstract class LlamaPreTrainedModel extends Module {
  /** Where the base LlamaModel sits among the checkpoint keys of this class. */
  static basePrefix = 'model.';
  generation_config: GenerationConfig;
  attn_implementation: AttnImplementation = 'sdpa';

  constructor(
    readonly config: LlamaConfig,
    readonly backend: Backend,
  ) {
    super();
    this.generation_config = GenerationConfig.from_model_config(config);
  }

  /** The backend that runs this model ('cpu', 'webgpu', 'cuda'). */
  get device(): string {
    return this.backend.name;
  }

  abstract forward(input: ForwardInput): Promise<ModelOutput>;

  /** Loads config.json, generation_config.json and the weights of `dir` (safetensors or pytorch_model.bin, single or sharded). */
  static async from_pretrained<T extends LlamaPreTrainedModel>(this: ModelClass<T>, dir: string | ModelDirectory, options: FromPretrainedOptions = {}): Promise<T> {
    const dtype = options.dtype ?? 'auto';
    if (!LOAD_DTYPES.includes(dtype)) throw new ArgumentError(`from_pretrained: 'dtype' is '${String(dtype)}'; expected one of ${LOAD_DTYPES.join(', ')}`);
    const attn = options.attn_implementation ?? 'sdpa';
    if (!ATTN_IMPLEMENTATIONS.includes(attn)) {
      throw new ArgumentError(`from_pretrained: 'attn_implementation' is '${String(attn)}'; expected one of ${ATTN_IMPLEMENTATIONS.join(', ')}`);
    }
    const directory = toModelDirectory(dir);
    const config = options.config instanceof LlamaConfig
      ? options.config
      : await LlamaConfig.from_pretrained(directory, options.config ?? {});
    const backend = await getBackend(options.device ?? 'auto');
    const model = new this(config, backend);
    model.attn_implementation = attn;
    model.generation_config = await GenerationConfig.from_model_dir(directory, config);
    const checkpoint = await openCheckpoint(directory);
    try {
      await loadWeights(model, checkpoint, backend, { dtype, basePrefix: this.basePrefix, where: directory.name });
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      await checkpoint.close();
    }
    return model;
  }

  /** Frees every weight on the device. */
  dispose(): void {
    const seen = new Set<unknown>();
    for (const [, param] of this.namedParameters()) {
      if (seen.has(param) || !param.loaded) continue;
      seen.add(param);
      param.value.dispose();
      param.detach();
    }
    this.disposeBuffers();
  }

  protected disposeBuffers(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
