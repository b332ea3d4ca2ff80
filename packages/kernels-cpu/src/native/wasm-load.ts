// Finding and compiling the WebAssembly kernels (dist-wasm/, built by scripts/build-wasm.mjs), and whether they can
// run here: WebAssembly with SIMD128, and shared memory for threads.
import { BackendUnavailableError, CriaError } from '@cria/core';
import { singleWasmUrl, threadedWasmUrl } from '../wasm-files.js';

/** A module: bytes, compiled, or where to read it (a URL, or a file path in Node). */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

/** Which module to load: the threaded build over a shared memory, or the single-thread build over a plain one. */
export interface WasmModuleOptions {
  /** The threaded build (default: dist-wasm/cria_cpu.wasm of this package). */
  wasm?: WasmSource;
  /** The single-thread build for a plain memory (default: dist-wasm/cria_cpu_single.wasm). */
  wasmSingle?: WasmSource;
  /** false: one thread over a plain memory even where SharedArrayBuffer exists. */
  shared?: boolean;
}

/** A function returning a v128 constant: validates where the engine has SIMD128. */
const SIMD_PROBE = new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 0x0a, 0x16, 1, 0x14, 0, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b,
]);

/** Whether the WebAssembly kernels can start here (WebAssembly with SIMD128, the .wasm found and compiled), and if not why. Never throws. */
export async function probeWasm(options: WasmModuleOptions = {}): Promise<{ available: boolean; reason?: string }> {
  try {
    if (typeof WebAssembly === 'undefined') return { available: false, reason: 'this JavaScript engine has no WebAssembly' };
    if (!WebAssembly.validate(SIMD_PROBE)) return { available: false, reason: 'this JavaScript engine lacks WebAssembly SIMD128' };
    const shared = options.shared !== false && sharedMemoryAvailable();
    await loadModule(shared ? options.wasm : options.wasmSingle, shared ? 'cria_cpu.wasm' : 'cria_cpu_single.wasm');
    return { available: true };
  } catch (error) {
    const reason = error instanceof BackendUnavailableError ? error.failures.map((f) => f.reason).join('; ') : (error as Error).message;
    return { available: false, reason };
  }
}

export function isNodeProcess(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** SharedArrayBuffer exists (in browsers: the page is crossOriginIsolated). */
export function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (isNodeProcess() || !!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
}

/** The default modules, compiled once per file. */
const compiled = new Map<string, Promise<WebAssembly.Module>>();

export async function loadModule(source: WasmSource | undefined, file: string): Promise<WebAssembly.Module> {
  if (source !== undefined) return compileModule(source, file);
  let module = compiled.get(file);
  if (!module) {
    module = compileModule(undefined, file);
    compiled.set(file, module);
    module.catch(() => compiled.delete(file)); // a failed load is retried next time (the file may be built since)
  }
  return module;
}

async function compileModule(source: WasmSource | undefined, file: string): Promise<WebAssembly.Module> {
  let where = 'the given bytes';
  try {
    if (source instanceof WebAssembly.Module) return source;
    if (source === undefined || typeof source === 'string' || source instanceof URL) {
      const url = source ?? (await defaultLocation(file));
      where = String(url);
      return await WebAssembly.compile(await readBytes(url));
    }
    return await WebAssembly.compile(source);
  } catch (error) {
    const why = (error as Error).message?.split('\n')[0] ?? String(error);
    throw new BackendUnavailableError('cpu', [
      { name: 'wasm', reason: `the WebAssembly kernels did not load from ${where} (${why}); build them with \`node scripts/build-wasm.mjs\` in @cria/kernels-cpu (needs clang and wasm-ld)` },
    ]);
  }
}

/** dist-wasm/ of this package (see wasm-files.ts). */
async function defaultLocation(file: string): Promise<URL> {
  return file === 'cria_cpu.wasm' ? threadedWasmUrl() : singleWasmUrl();
}

async function readBytes(location: URL | string): Promise<ArrayBuffer> {
  if (isNodeProcess() && (typeof location === 'string' || location.protocol === 'file:')) {
    const { readFile } = await import('node:fs/promises');
    const data = await readFile(location);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  }
  const response = await fetch(location);
  if (!response.ok) throw new CriaError(`HTTP ${response.status}`);
  return response.arrayBuffer();
}
