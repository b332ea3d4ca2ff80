import type { Backend } from '@cria/core';
import { CpuBackend } from './cpu-backend.js';

export { CpuBackend } from './cpu-backend.js';

/** The CPU backend runs everywhere JavaScript does. */
export async function probe(): Promise<{ available: boolean; reason?: string }> {
  return { available: true };
}

/** A new CPU backend. */
export async function createBackend(): Promise<Backend> {
  return new CpuBackend();
}
