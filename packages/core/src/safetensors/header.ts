import { FileFormatError } from '../errors.js';
import { safetensorsDtypeInfo } from './dtypes.js';
import { findDuplicateJsonKey } from './json-duplicate-keys.js';
import type { SafetensorsTensorInfo } from './types.js';

/** Headers above this many bytes are refused (as safetensors itself does), so a hostile length cannot exhaust memory. */
export const MAX_HEADER_BYTES = 100_000_000;

/** What a safetensors header says, checked against the file's size. */
export interface SafetensorsHeader {
  /** Bytes of JSON (with its padding) after the 8-byte length. */
  headerLength: number;
  metadata: Record<string, string>;
  /** Tensors in the order of their data (by offset). */
  tensors: SafetensorsTensorInfo[];
}

/** Reads the header length from the first 8 bytes (u64 little-endian) and checks it against the file. */
export function parseHeaderLength(prefix: Uint8Array, file: string, fileSize: number): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new FileFormatError(file, `is ${fileSize} bytes long; a safetensors file starts with an 8-byte header length`);
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new FileFormatError(file, `header length ${length} is beyond the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or a corrupt one)`);
  }
  const n = Number(length);
  if (8 + n > fileSize) throw new FileFormatError(file, `header length ${n} is beyond the end of the file (${fileSize} bytes)`);
  if (n < 2) throw new FileFormatError(file, `header length ${n} is too short to hold a JSON object`);
  return n;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses and validates the JSON header of a file of `fileSize` bytes. Every fault (bad JSON,
 * duplicate keys, ill-typed fields, unknown dtypes, sizes that disagree with shapes, offsets outside
 * the data, overlaps, gaps, a truncated file) is a FileFormatError naming the file.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, file: string, fileSize: number): SafetensorsHeader {
  const headerLength = headerBytes.byteLength;
  let text: string;
  try {
    text = utf8.decode(headerBytes);
  } catch (error) {
    throw new FileFormatError(file, 'header is not valid UTF-8', { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(file, `header is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isPlainObject(json)) throw new FileFormatError(file, `header must be a JSON object, got ${describe(json)}`);
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate) {
    const where = duplicate.path.length ? ` inside '${duplicate.path.join('.')}'` : '';
    throw new FileFormatError(file, `header names '${duplicate.key}' twice${where}`);
  }

  const dataSize = fileSize - 8 - headerLength;
  const metadata = parseMetadata(json['__metadata__'], file);
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') continue;
    tensors.push(parseTensorEntry(name, entry, file, 8 + headerLength, dataSize));
  }
  checkLayout(tensors, file, 8 + headerLength, dataSize);
  return { headerLength, metadata, tensors };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new FileFormatError(file, `'__metadata__' must be an object of strings, got ${describe(value)}`);
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new FileFormatError(file, `'__metadata__.${key}' must be a string, got ${describe(v)}`);
    metadata[key] = v;
  }
  return metadata;
}

function parseTensorEntry(name: string, entry: unknown, file: string, dataStart: number, dataSize: number): SafetensorsTensorInfo {
  const where = `tensor '${name}'`;
  if (!isPlainObject(entry)) throw new FileFormatError(file, `${where} must be an object with dtype, shape and data_offsets, got ${describe(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw new FileFormatError(file, `${where}: 'dtype' must be a string, got ${describe(dtype)}`);
  const dtypeInfo = safetensorsDtypeInfo(dtype);
  if (!dtypeInfo) throw new FileFormatError(file, `${where}: unknown dtype '${dtype}'`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new FileFormatError(file, `${where}: 'shape' must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new FileFormatError(file, `${where}: 'data_offsets' must be [begin, end] (non-negative integers), got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new FileFormatError(file, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize) {
    throw new FileFormatError(file, `${where}: data_offsets [${begin}, ${end}] lie outside the data section (${dataSize} bytes): the file is truncated or the header is wrong`);
  }
  const elements = elementCount(shape as number[]);
  const bits = elements === undefined ? undefined : elements * dtypeInfo.bits;
  if (bits === undefined || !Number.isSafeInteger(bits)) {
    throw new FileFormatError(file, `${where}: shape [${shape.join(', ')}] of ${dtype} is too large`);
  }
  if (bits % 8 !== 0) throw new FileFormatError(file, `${where}: ${elements} elements of ${dtype} (${dtypeInfo.bits} bits) do not fill whole bytes`);
  if (end - begin !== bits / 8) {
    throw new FileFormatError(file, `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${bits / 8}`);
  }
  return { name, dtype: dtypeInfo.dtype, safetensorsDtype: dtype, shape: [...(shape as number[])], file, byteOffset: dataStart + begin, byteLength: end - begin };
}

/** Tensors must tile the data section exactly: in offset order, no overlap, no gap, nothing after the last. */
function checkLayout(tensors: SafetensorsTensorInfo[], file: string, dataStart: number, dataSize: number): void {
  tensors.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let expected = dataStart;
  let previous: SafetensorsTensorInfo | undefined;
  for (const t of tensors) {
    if (t.byteOffset < expected) {
      throw new FileFormatError(file, `tensor '${t.name}' (data_offsets from ${t.byteOffset - dataStart}) overlaps tensor '${previous!.name}' (which ends at ${expected - dataStart})`);
    }
    if (t.byteOffset > expected) {
      throw new FileFormatError(file, `bytes ${expected - dataStart}..${t.byteOffset - dataStart} of the data section belong to no tensor (before '${t.name}')`);
    }
    expected = t.byteOffset + t.byteLength;
    previous = t;
  }
  if (expected !== dataStart + dataSize) {
    throw new FileFormatError(file, `the data section has ${dataSize} bytes but its tensors cover ${expected - dataStart}: trailing bytes belong to no tensor`);
  }
}

function elementCount(shape: number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? text.slice(0, 40) + '…' : text}`;
}
