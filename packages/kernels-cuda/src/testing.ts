// @cria/kernels-cuda/testing: the CUDA backend's TypeScript layer over an emulated device, for tests without a GPU.
// The emulated context keeps "device memory" in host ArrayBuffers and runs every op as plain loops, with the native
// capture semantics (nothing runs while capturing; replay re-runs the recorded work) and use-after-free poisoning.
import { CudaBackend } from './backend.js';
import { EMULATED_DEVICE_INFO, EmulatedCudaContext, type EmulatedContextOptions } from './emulated-context.js';

export { EMULATED_DEVICE_INFO, EmulatedCudaContext, type EmulatedContextOptions } from './emulated-context.js';
export { POISON_BYTE } from './emulated/device-memory.js';

/** A new emulated native context (one "device", one stream). */
export function createEmulatedContext(options: EmulatedContextOptions = {}): EmulatedCudaContext {
  return new EmulatedCudaContext(options);
}

/** A `CudaBackend` (name 'cuda') over a new emulated context: every op, CUDA graphs and all, without a GPU. */
export function createEmulatedCudaBackend(options: EmulatedContextOptions = {}): CudaBackend {
  const context = createEmulatedContext(options);
  const totalMemory = options.totalMemory ?? EMULATED_DEVICE_INFO.totalMemory;
  return new CudaBackend(context, { ...EMULATED_DEVICE_INFO, totalMemory });
}
