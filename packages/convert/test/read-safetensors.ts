// Test helper: reads a safetensors file's header and raw tensor bytes (an independent, minimal
// reader so the conversion's output is checked by code that did not write it).
import { readFileSync } from 'node:fs';

export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export function readSafetensorsRaw(path: string): { metadata: Record<string, string> | undefined; tensors: Map<string, RawTensor> } {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const base = 8 + headerLength;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(name, { dtype, shape, bytes: new Uint8Array(file.subarray(base + data_offsets[0], base + data_offsets[1])) });
  }
  return { metadata, tensors };
}
