// Where the GPU comes from: navigator.gpu in browsers, the `webgpu` package (Dawn) in Node.

/** A GPU entry point and, in Node, the Dawn instance that must stay referenced while devices live. */
export interface GpuSource {
  gpu: GPU;
  /** 'navigator.gpu' or 'webgpu (Dawn)'. */
  origin: string;
}

let dawn: Promise<GpuSource> | undefined;

// A variable specifier so bundlers for the browser do not try to pull the Node addon in.
const DAWN_PACKAGE = 'webgpu';

/**
 * The GPU entry point of this environment. In Node the Dawn instance is created once per process and
 * kept in this module for the life of the process: if it were collected while a device lives, Dawn crashes.
 * Throws an Error whose message says why there is none.
 */
export function gpuSource(): Promise<GpuSource> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return Promise.resolve({ gpu: nav.gpu, origin: 'navigator.gpu' });
  dawn ??= loadDawn();
  return dawn;
}

async function loadDawn(): Promise<GpuSource> {
  let module: { create: (flags: string[]) => GPU };
  try {
    module = (await import(/* @vite-ignore */ DAWN_PACKAGE)) as typeof module;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`no navigator.gpu and the 'webgpu' package (Dawn for Node) is not installed: npm install webgpu`);
    }
    throw new Error(`the 'webgpu' package (Dawn for Node) failed to load: ${(error as Error).message}`);
  }
  let gpu: GPU;
  try {
    gpu = module.create([]);
  } catch (error) {
    throw new Error(`the 'webgpu' package could not create a GPU instance: ${(error as Error).message}`);
  }
  return { gpu, origin: 'webgpu (Dawn)' };
}
