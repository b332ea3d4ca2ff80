// @cria/kernels-cuda: the 'cuda' backend of cria (a node-addon-api addon with its own CUDA kernels).
import { BackendUnavailableError } from '@cria/core';
import { loadAddon } from './binding.js';
import { CudaBackend } from './backend.js';
import { probeCuda } from './probe.js';

export { CudaBackend, MAX_ATTENTION_HEAD_DIM, type CudaGraph } from './backend.js';
export { CUDA_SIGNATURES, cudaSupports } from './overrides.js';
export { matvecTakes, linearManyTakes, MATVEC_MAX_ROWS } from './matvec-route.js';
export { addonPath, addonBuilt, DTYPE_CODE } from './binding.js';
export type { DevicePtr, NativeAddon, NativeContext, NativeAttentionShape, NativeDeviceCount, NativeDeviceInfo } from './binding.js';
export { probeCuda, type ProbeResult } from './probe.js';

/** Whether the CUDA backend can start here and, if not, why (addon not built, no driver, no device). Never throws. */
export async function probe(): Promise<{ available: boolean; reason?: string }> {
  const result = await probeCuda();
  return result.available ? { available: true } : { available: false, reason: result.reason ?? 'unavailable' };
}

/** Starts the backend on device 0 (one stream). Throws, with the reason, when CUDA cannot start. */
export async function createBackend(): Promise<CudaBackend> {
  const result = await probeCuda();
  if (!result.available || !result.device) throw new BackendUnavailableError('cuda', [{ name: 'cuda', reason: result.reason ?? 'unavailable' }]);
  const addon = loadAddon();
  return new CudaBackend(new addon.Context(0), result.device);
}
