import type { ByteSource } from '../io/byte-source.js';
import { type SafetensorsHeader, parseHeaderLength, parseSafetensorsHeader } from './header.js';

/**
 * Reads and validates the header of the safetensors file behind `source` (two reads: the 8-byte
 * length, then the JSON). Errors name `source.name`; the returned tensors carry `file` as their file.
 */
export async function readSafetensorsHeader(source: ByteSource, file: string = source.name): Promise<SafetensorsHeader> {
  const prefix = source.size >= 8 ? await source.read(0, 8) : new Uint8Array(0);
  const headerLength = parseHeaderLength(prefix, source.name, source.size);
  const headerBytes = await source.read(8, headerLength);
  const header = parseSafetensorsHeader(headerBytes, source.name, source.size);
  for (const tensor of header.tensors) tensor.file = file;
  return header;
}
