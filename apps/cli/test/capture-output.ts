// Test helper: what `cria` writes to stdout and stderr, captured instead of printed (restore with vi.restoreAllMocks).
import { vi } from 'vitest';

export interface CapturedOutput {
  out(): string;
  err(): string;
}

export function captureOutput(): CapturedOutput {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}
