// Starting the fast cpu backend: the Node addon where it loads, else the WebAssembly build; `build` picks one.
import { ArgumentError, BackendUnavailableError } from '@cria/core';
import { createAddonRunner, loadCpuAddon } from './addon-runner.js';
import type { KernelRunner } from './kernel-runner.js';
import { NativeCpuBackend } from './native-backend.js';
import { defaultThreads } from './threads.js';
import { type WasmModuleOptions, createWasmRunner, probeWasm } from './wasm-runner.js';

export interface CpuBackendOptions {
  /** Threads the kernels run on (the caller's included). Default: the physical cores. */
  threads?: number;
  /** 'auto' (the addon, else the WebAssembly build), 'addon' or 'wasm'. */
  build?: 'auto' | 'addon' | 'wasm';
  /** Where the WebAssembly build's modules are, when not beside this package's bundle (see WasmModuleOptions). */
  wasm?: WasmModuleOptions;
}

const BUILDS = ['auto', 'addon', 'wasm'] as const;

/** Whether the cpu backend can start here (the addon or the WebAssembly build), and if not why. Never throws. */
export async function probe(): Promise<{ available: boolean; reason?: string }> {
  try {
    await loadCpuAddon();
    return { available: true };
  } catch (addonError) {
    const wasm = await probeWasm();
    if (wasm.available) return { available: true };
    return { available: false, reason: `${(addonError as Error).message.replace(/^no backend available for device 'cpu':\n\s*- /, '')}; ${wasm.reason}` };
  }
}

/** A new cpu backend with its own threads. */
export async function createBackend(options: CpuBackendOptions = {}): Promise<NativeCpuBackend> {
  const build = options.build ?? 'auto';
  if (!BUILDS.includes(build)) throw new ArgumentError(`cpu backend: 'build' must be ${BUILDS.join(', ')}, got ${String(build)}`);
  const threads = options.threads ?? (await defaultThreads());
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) throw new ArgumentError(`cpu backend: 'threads' must be an integer in [1, 1024], got ${String(threads)}`);
  const failures: { name: string; reason: string }[] = [];
  let runner: KernelRunner | undefined;
  if (build !== 'wasm') {
    try {
      runner = createAddonRunner(await loadCpuAddon(), threads);
    } catch (error) {
      failures.push({ name: 'cpu (addon)', reason: error instanceof BackendUnavailableError ? error.failures.map((f) => f.reason).join('; ') : (error as Error).message });
    }
  }
  if (!runner && build !== 'addon') {
    try {
      runner = await createWasmRunner({ ...options.wasm, threads });
    } catch (error) {
      failures.push({ name: 'cpu (wasm)', reason: (error as Error).message });
    }
  }
  if (!runner) throw new BackendUnavailableError('cpu', failures);
  return new NativeCpuBackend(runner);
}
