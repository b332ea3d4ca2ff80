// Where the WebAssembly kernels sit: dist-wasm/ of this package. The URLs are static strings one folder below the
// package root, as this file (src/) and the bundle (dist/) both are, so they resolve from either, and bundlers (Vite,
// webpack 5, esbuild with a file loader) see `new URL('…', import.meta.url)` and ship the files with the page.

/** The threaded build (atomics, an imported shared memory). */
export function threadedWasmUrl(): URL {
  return new URL('../dist-wasm/cria_cpu.wasm', import.meta.url);
}

/** The single-thread build (a plain memory). */
export function singleWasmUrl(): URL {
  return new URL('../dist-wasm/cria_cpu_single.wasm', import.meta.url);
}
