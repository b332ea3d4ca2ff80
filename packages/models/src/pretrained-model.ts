import { GenerationConfig, LlamaConfig } from '@cria/config';
import { ArgumentError, type Backend, type DeviceName, getBackend, ggufLocation, toModelDirectory, type ModelDirectory } from '@cria/core';
import { openGgufCheckpoint } from './loading/gguf-checkpoint.js';
import { LOAD_DTYPES, type LoadDType, loadWeights } from './loading/load-weights.js';
import { type OpenedCheckpoint, openCheckpoint } from './loading/open-checkpoint.js';
import type { ProgressCallback } from './loading/progress.js';
import type { ForwardInput } from './llama/llama-model.js';
import type { ModelOutput } from './modeling-outputs.js';
import { Module } from './nn/module.js';

export type { ProgressCallback, ProgressInfo } from './loading/progress.js';

export type AttnImplementation = 'eager' | 'sdpa' | 'flash_attention_2';
export const ATTN_IMPLEMENTATIONS: readonly AttnImplementation[] = ['eager', 'sdpa', 'flash_attention_2'];

export interface FromPretrainedOptions {
  /** 'auto' tries cuda, webgpu, then cpu; or a backend already started (one from `getBackend`, or a view of one). */
  device?: DeviceName | Backend;
  /**
   * Threads of the cpu backend (default: the physical cores), as torch.set_num_threads. Only for `device` 'cpu' or
   * 'auto' (when 'auto' picks another device, it is refused by name).
   */
  num_threads?: number;
  /** 'auto' keeps the stored dtype of each weight matrix. */
  dtype?: LoadDType;
  /**
   * Map weights from their files instead of reading them (node-llama-cpp's `useMmap`). Default: map where the backend
   * maps files (the cpu backend's addon) and the weight is a plain array in its file (safetensors) kept in its stored
   * dtype. `false` reads every weight into memory; `true` is refused by a backend that cannot map files.
   */
  use_mmap?: boolean;
  /** 'eager' materialises the attention probabilities (output_attentions needs it); 'sdpa' (default) and 'flash_attention_2' use the fused op only (same outputs). */
  attn_implementation?: AttnImplementation;
  /** A config to use instead of (or fields to override in) config.json. */
  config?: LlamaConfig | Record<string, unknown>;
  /**
   * Told how the weights load, as transformers.js reports a download: 'initiate', 'progress' (per tensor, and per
   * chunk of large tensors; bytes as stored in the checkpoint) and 'done' for each weight file, then 'ready' once.
   * An error it throws stops the load (the model is disposed) and is rethrown.
   */
  progress_callback?: ProgressCallback;
}

/** The backend `device` names (with `threads` for the cpu backend), or `device` itself where it is one. */
async function backendFor(device: DeviceName | Backend | undefined, threads: number | undefined): Promise<Backend> {
  if (typeof device !== 'object' || device === null) {
    const name = device ?? 'auto';
    if (threads !== undefined && name !== 'auto' && name !== 'cpu') {
      throw new ArgumentError(`from_pretrained: 'num_threads' sets the cpu backend's threads; device '${name}' has none (leave num_threads out)`);
    }
    const backend = await getBackend(name, threads === undefined ? {} : { threads });
    if (threads !== undefined && backend.name !== 'cpu') {
      throw new ArgumentError(`from_pretrained: 'num_threads' sets the cpu backend's threads, but device 'auto' picked '${backend.name}' (ask for device 'cpu', or leave num_threads out)`);
    }
    return backend;
  }
  if (threads !== undefined) throw new ArgumentError(`from_pretrained: 'num_threads' cannot apply to a backend that is already started (create it with its threads)`);
  if (typeof (device as Partial<Backend>).supports !== 'function' || typeof (device as Partial<Backend>).linear !== 'function') {
    throw new ArgumentError(`from_pretrained: 'device' must be 'auto', 'cuda', 'webgpu', 'cpu', 'reference' or a Backend, got an object that is not a backend`);
  }
  return device;
}

type ModelClass<T> = (new (config: LlamaConfig, backend: Backend) => T) & { basePrefix: string };

/** What every Llama model class shares: config, backend, generation config, from_pretrained, dispose. */
export abstract class LlamaPreTrainedModel extends Module {
  /** Where the base LlamaModel sits among the checkpoint keys of this class. */
  static basePrefix = 'model.';
  generation_config: GenerationConfig;
  #attnImplementation: AttnImplementation = 'sdpa';

  constructor(
    readonly config: LlamaConfig,
    readonly backend: Backend,
  ) {
    super();
    this.generation_config = GenerationConfig.from_model_config(config);
  }

  /**
   * How attention runs, as transformers' attn_implementation: 'eager' materialises the attention probabilities
   * (forward's output_attentions needs it); 'sdpa' (the default) and 'flash_attention_2' use the fused attention op
   * only, so output_attentions is refused. Outputs are the same. Setting it sets it on the base model too.
   */
  get attn_implementation(): AttnImplementation {
    return this.#attnImplementation;
  }

  set attn_implementation(value: AttnImplementation) {
    if (!ATTN_IMPLEMENTATIONS.includes(value)) {
      throw new ArgumentError(`'attn_implementation' is '${String(value)}'; expected one of ${ATTN_IMPLEMENTATIONS.join(', ')}`);
    }
    this.#attnImplementation = value;
    for (const model of this.#submodels()) model.attn_implementation = value;
  }

  /** The models inside this one (a head's base LlamaModel). */
  #submodels(): LlamaPreTrainedModel[] {
    return Object.values(this).filter((value): value is LlamaPreTrainedModel => value instanceof LlamaPreTrainedModel);
  }

  /** The backend that runs this model ('cpu', 'webgpu', 'cuda'). */
  get device(): string {
    return this.backend.name;
  }

  abstract forward(input: ForwardInput): Promise<ModelOutput>;

  /**
   * Loads config.json, generation_config.json and the weights of `dir` (safetensors or pytorch_model.bin, single or
   * sharded), or a GGUF file (`dir` names it, or is a folder without config.json holding one): config, generation
   * config and weights from the file, block formats kept as stored.
   */
  static async from_pretrained<T extends LlamaPreTrainedModel>(this: ModelClass<T>, dir: string | ModelDirectory, options: FromPretrainedOptions = {}): Promise<T> {
    const dtype = options.dtype ?? 'auto';
    if (options.progress_callback !== undefined && typeof options.progress_callback !== 'function') {
      throw new ArgumentError(`from_pretrained: 'progress_callback' must be a function, got ${typeof options.progress_callback}`);
    }
    if (!LOAD_DTYPES.includes(dtype)) throw new ArgumentError(`from_pretrained: 'dtype' is '${String(dtype)}'; expected one of ${LOAD_DTYPES.join(', ')}`);
    const attn = options.attn_implementation ?? 'sdpa';
    if (!ATTN_IMPLEMENTATIONS.includes(attn)) {
      throw new ArgumentError(`from_pretrained: 'attn_implementation' is '${String(attn)}'; expected one of ${ATTN_IMPLEMENTATIONS.join(', ')}`);
    }
    if (options.num_threads !== undefined && (!Number.isSafeInteger(options.num_threads) || options.num_threads < 1)) {
      throw new ArgumentError(`from_pretrained: 'num_threads' must be a positive integer, got ${String(options.num_threads)}`);
    }
    if (options.use_mmap !== undefined && typeof options.use_mmap !== 'boolean') {
      throw new ArgumentError(`from_pretrained: 'use_mmap' must be a boolean, got ${typeof options.use_mmap}`);
    }
    const gguf = await ggufLocation(dir);
    const directory = gguf ? gguf.directory : toModelDirectory(dir);
    const given = options.config instanceof LlamaConfig ? options.config : undefined;
    let checkpoint: OpenedCheckpoint | undefined;
    let model: T | undefined;
    try {
      let config: LlamaConfig;
      if (gguf) {
        const opened = await openGgufCheckpoint(directory, gguf.file, given ? {} : (options.config as Record<string, unknown> | undefined) ?? {});
        checkpoint = opened.checkpoint;
        config = given ?? opened.config;
      } else {
        config = given ?? await LlamaConfig.from_pretrained(directory, options.config ?? {});
      }
      const backend = await backendFor(options.device, options.num_threads);
      if (options.use_mmap === true && !backend.mapFile) {
        throw new ArgumentError(`from_pretrained: 'use_mmap' is true, but the '${backend.name}' backend cannot map files here (leave use_mmap out)`);
      }
      // Set before the weights load (a failed load disposes the model).
      model = new this(config, backend);
      model.attn_implementation = attn;
      model.generation_config = gguf ? GenerationConfig.from_model_config(config) : await GenerationConfig.from_model_dir(directory, config);
      checkpoint ??= await openCheckpoint(directory);
      await loadWeights(model, checkpoint, backend, {
        dtype, basePrefix: this.basePrefix, where: gguf ? `${directory.name}/${gguf.file}` : directory.name,
        progressCallback: options.progress_callback, map: options.use_mmap !== false,
      });
    } catch (error) {
      model?.dispose();
      throw error;
    } finally {
      await checkpoint?.close();
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
    for (const model of this.#submodels()) model.disposeBuffers();
  }

  protected disposeBuffers(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
