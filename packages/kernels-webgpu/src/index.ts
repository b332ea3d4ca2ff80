import type { Backend } from '@cria/core';
import { WebGpuBackend } from './backend.js';
import type { DeviceOptions } from './device.js';
import { requestAdapter } from './device.js';

export { WebGpuBackend, type WebGpuStats } from './backend.js';
export type { DeviceOptions } from './device.js';
export { BufferPool, bucketSize } from './buffer-pool.js';

/** Whether a WebGPU device can start here, and if not, why (no `webgpu` package, no adapter). Never throws. */
export async function probe(): Promise<{ available: boolean; reason?: string }> {
  try {
    await requestAdapter();
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts the WebGPU backend (throws, with the reason, when it cannot). */
export async function createBackend(options: DeviceOptions = {}): Promise<Backend & WebGpuBackend> {
  return WebGpuBackend.create(options);
}
