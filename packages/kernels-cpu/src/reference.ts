// The reference backend as a registry module ('reference', `@cria/kernels-cpu/reference`): every op in plain
// TypeScript with float64 sums. Slow; the oracle the op suite and the goldens judge every other backend against.
import type { Backend } from '@cria/core';
import { CpuBackend } from './cpu-backend.js';

export { CpuBackend } from './cpu-backend.js';

/** The reference backend runs everywhere JavaScript does. */
export async function probe(): Promise<{ available: boolean; reason?: string }> {
  return { available: true };
}

/** A new reference backend. */
export async function createBackend(): Promise<Backend> {
  return new CpuBackend();
}
