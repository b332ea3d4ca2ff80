import type { Backend, BackendOptions } from '@cria/core';
import { WebGpuBackend } from './backend.js';
import type { DeviceOptions } from './device.js';
import { requestAdapter, softwareAdapter } from './device.js';

export { WebGpuBackend, type WebGpuStats } from './backend.js';
export type { DeviceOptions } from './device.js';
export { softwareAdapter } from './device.js';
export { BufferPool, bucketSize } from './buffer-pool.js';

/**
 * Whether a WebGPU device can start here, and if not, why (no `webgpu` package, no adapter). With `auto` (the
 * registry trying devices for 'auto'), a software adapter (lavapipe, llvmpipe, SwiftShader) is refused: the cpu
 * backend is faster than WebGPU emulated on the CPU; ask for 'webgpu' by name to use it. Never throws.
 */
export async function probe(options: BackendOptions = {}): Promise<{ available: boolean; reason?: string }> {
  try {
    const { adapter } = await requestAdapter();
    const software = options.auto ? softwareAdapter(adapter) : null;
    if (software) return { available: false, reason: `${software}: 'auto' prefers the cpu backend (ask for device 'webgpu' by name to use it)` };
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts the WebGPU backend (throws, with the reason, when it cannot). */
export async function createBackend(options: DeviceOptions & BackendOptions = {}): Promise<Backend & WebGpuBackend> {
  const { auto: _auto, threads: _threads, ...device } = options;
  return WebGpuBackend.create(device);
}
