// @cria/kernels-cpu: the cpu backends. 'cpu' (this module's probe / createBackend) runs the native kernels of
// native/ through the Node addon, or the WebAssembly build where the addon is not built (and in browsers);
// 'reference' (`@cria/kernels-cpu/reference`) is the TypeScript reference the others are judged against.
export { type CpuBackendOptions, createBackend, probe } from './native/create.js';
export { NativeCpuBackend } from './native/native-backend.js';
export { type KernelRunner, WTYPE, type WType, type WeightArray } from './native/kernel-runner.js';
export { type CpuAddon, createAddonRunner, loadCpuAddon } from './native/addon-runner.js';
export { type WasmRunner, type WasmRunnerOptions, createWasmRunner, probeWasm } from './native/wasm-runner.js';
export { defaultThreads, physicalCores } from './native/threads.js';
export { CpuBackend } from './cpu-backend.js';
