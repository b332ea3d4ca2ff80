import type { DType, Tensor } from '@cria/core';
import type { ParamField } from './command-batch.js';

/** What a kernel needs from the backend: pipelines, dispatch, outputs, and the buffers of its inputs. */
export interface KernelContext {
  readonly shaderF16: boolean;
  /** The device's maxStorageBuffersPerShaderStage: the storage bindings one dispatch may have. */
  readonly maxStorageBuffers: number;
  /** A compute pipeline (entry point `main`), compiled once per key. */
  pipeline(key: string, source: () => string): GPUComputePipeline;
  /** Records a dispatch into the current batch (see CommandBatch.dispatch). */
  dispatch(pipeline: GPUComputePipeline, params: readonly ParamField[], buffers: readonly GPUBuffer[], groups: readonly [number, number, number]): void;
  /** A new tensor of this backend whose contents the kernel will fully write. */
  output(shape: readonly number[], dtype: DType): Tensor;
  /** The buffer of an input that must be a single binding. */
  buffer(tensor: Tensor, what: string): GPUBuffer;
  /** The chunks of an input that may be split (weights). */
  chunks(tensor: Tensor): { buffers: readonly GPUBuffer[]; chunkElements: number };
}
