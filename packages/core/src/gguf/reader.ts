// Reads the header of a GGUF file (v2 or v3, little-endian, as llama.cpp and gguf-py write it) by ranges: metadata in
// file order, tensor infos with absolute offsets, checked against the file's size. Hostile input gets a FileFormatError
// that names the file and the field; no count or length is trusted before it is checked against the bytes left.
//
// Layout: magic u32 "GGUF", version u32, tensor count u64, metadata count u64; per metadata entry key (u64 length +
// UTF-8), value type u32, value (an array: item type u32, count u64, items); per tensor name (string), n_dims u32,
// ne[n_dims] u64 (innermost first), ggml type u32, offset u64 (from the data section); then padding to the alignment,
// then the data section.
import { ArgumentError, FileFormatError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { GGML_BLOCK, GGML_TYPE, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPE, type GgmlTypeName, type GgufScalarType, ggmlTypeName } from './constants.js';
import { HeaderCursor, type What } from './cursor.js';
import { describeValue, quote } from './describe.js';
import type { GgufMetadata, GgufScalar, GgufString, GgufValue } from './values.js';

/**
 * Default bound on the header region (magic to the end of the tensor infos): 1 GiB, or the file's size when smaller.
 * A 128k-token vocabulary with its merges is about 50 MB.
 */
export const MAX_GGUF_HEADER_BYTES = 1024 * 1024 * 1024;

export interface ReadGgufOptions {
  /** Bound on the header region in bytes (default MAX_GGUF_HEADER_BYTES); the file's size bounds it too. */
  maxHeaderBytes?: number;
}

/** One tensor of a GGUF file. */
export interface GgufTensorInfo {
  name: string;
  type: GgmlTypeName;
  /** Row-major, outermost first: ggml's ne[] reversed (ne = [cols, rows] is shape [rows, cols]). */
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  byteLength: number;
}

/** What the header of a GGUF file says, checked against the file's size. */
export interface GgufFile {
  /** The file's name as errors show it (the source's name). */
  file: string;
  /** 2 or 3. */
  version: number;
  /** In file order. */
  metadata: GgufMetadata;
  /** In file order. */
  tensors: GgufTensorInfo[];
  /** general.alignment, else GGUF_DEFAULT_ALIGNMENT. */
  alignment: number;
  /** Absolute byte offset of the data section (the end of the tensor infos, padded to the alignment). */
  dataOffset: number;
  fileSize: number;
}

const GGML_MAX_DIMS = 4;

const VALUE_TYPE_NAMES: readonly (keyof typeof GGUF_VALUE_TYPE)[] = (() => {
  const names: (keyof typeof GGUF_VALUE_TYPE)[] = [];
  for (const [name, id] of Object.entries(GGUF_VALUE_TYPE)) names[id] = name as keyof typeof GGUF_VALUE_TYPE;
  return names;
})();

type NumericType = Exclude<GgufScalarType, 'string' | 'bool'>;

const TYPED_ARRAY: Readonly<Record<NumericType, { new (length: number): ArrayLike<number | bigint> & { buffer: ArrayBufferLike }; BYTES_PER_ELEMENT: number }>> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array, uint64: BigUint64Array, int64: BigInt64Array,
};

/** The fewest bytes one value of each type takes (a string: its u64 length). */
const MIN_BYTES: Readonly<Record<GgufScalarType, number>> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8, uint64: 8, int64: 8, bool: 1, string: 8,
};

/** Key (u64 length + at least 1 byte), value type u32, at least a 1-byte value. */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
/** Name (u64 length + at least 1 byte), n_dims u32, one u64 dimension, type u32, offset u64. */
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;

/** llama.cpp's ggml types cria does not read, by id, so a refusal can name them. */
const OTHER_GGML_TYPES: Readonly<Record<number, string>> = {
  4: 'Q4_2 (removed)', 5: 'Q4_3 (removed)', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS',
  18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32',
  27: 'I64', 28: 'F64', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4',
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads and checks the header of the GGUF file behind `source` (metadata and tensor infos; no tensor data). The header
 * is read by ranges in chunks that grow from 64 KiB to 8 MiB, never past `maxHeaderBytes` (1 GiB) or the file's end.
 * Every fault is a FileFormatError naming `source.name` and the field. The source stays open (the caller owns it).
 */
export async function readGguf(source: ByteSource, options: ReadGgufOptions = {}): Promise<GgufFile> {
  if (!source || typeof source.read !== 'function' || !Number.isSafeInteger(source.size) || source.size < 0) {
    throw new ArgumentError('readGguf: source must be a ByteSource (fileSource, bytesSource, httpSource, blobSource)');
  }
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_GGUF_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes <= 0) {
    throw new ArgumentError(`readGguf: options.maxHeaderBytes must be a positive integer, got ${String(maxHeaderBytes)}`);
  }
  const file = source.name;
  const fileSize = source.size;
  const c = new HeaderCursor(source, file, fileSize, Math.min(fileSize, maxHeaderBytes), `options.maxHeaderBytes = ${maxHeaderBytes}`);

  if (fileSize < 4) throw new FileFormatError(file, `not a GGUF file: it is ${fileSize} bytes long, shorter than the magic "GGUF"`);
  await c.need(4, () => 'the magic');
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) {
    const hex = [0, 8, 16, 24].map((s) => ((magic >>> s) & 0xff).toString(16).padStart(2, '0')).join(' ');
    throw new FileFormatError(file, `not a GGUF file: it starts with bytes ${hex}, not the magic "GGUF" (47 47 55 46)`);
  }
  await c.need(4, () => 'the version');
  const version = c.u32();
  if (version === 1) {
    throw new FileFormatError(file, 'is GGUF version 1, which cria does not read (it reads versions 2 and 3): convert the model again with a current llama.cpp');
  }
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version >>> 8) & 0xff) << 16 | ((version >>> 16) & 0xff) << 8 | (version >>> 24);
    if (swapped === 2 || swapped === 3) throw new FileFormatError(file, `is a big-endian GGUF file (version ${swapped}); cria reads little-endian GGUF only`);
    throw new FileFormatError(file, `GGUF version ${version} is not supported (cria reads versions 2 and 3)`);
  }

  await c.need(16, () => 'the tensor and metadata counts');
  const tensorCount = c.u64();
  const tensorCountExact = c.lastU64;
  const kvCount = c.u64();
  const kvCountExact = c.lastU64;
  if (tensorCount > c.remaining / MIN_TENSOR_INFO_BYTES) {
    throw c.pastEnd(BigInt(tensorCountExact) * BigInt(MIN_TENSOR_INFO_BYTES), () => `the tensor count ${tensorCountExact} (at least ${MIN_TENSOR_INFO_BYTES} bytes each)`);
  }
  if (kvCount > (c.remaining - tensorCount * MIN_TENSOR_INFO_BYTES) / MIN_KV_BYTES) {
    throw c.pastEnd(BigInt(kvCountExact) * BigInt(MIN_KV_BYTES), () => `the metadata count ${kvCountExact} (at least ${MIN_KV_BYTES} bytes each)`);
  }

  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < kvCount; i++) {
    const keyAt = c.pos;
    const keyBytes = await readStringBytes(c, () => `metadata key #${i}`);
    if (keyBytes.byteLength === 0) throw new FileFormatError(file, `metadata key #${i} (at offset ${keyAt}) is empty (key length 0)`);
    const key = decodeName(keyBytes, () => `metadata key #${i} (at offset ${keyAt})`, file);
    if (metadata.has(key)) throw new FileFormatError(file, `metadata ${quote(key)} appears twice`);
    metadata.set(key, await readValue(c, `metadata ${quote(key)}`));
  }

  const alignment = alignmentOf(metadata, file);
  const tensors: GgufTensorInfo[] = [];
  const relativeOffsets: (number | bigint)[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const nameAt = c.pos;
    const nameBytes = await readStringBytes(c, () => `tensor info #${i}: the name`);
    if (nameBytes.byteLength === 0) throw new FileFormatError(file, `tensor info #${i} (at offset ${nameAt}): the name is empty`);
    const name = decodeName(nameBytes, () => `tensor info #${i} (at offset ${nameAt}): the name`, file);
    const where = `tensor ${quote(name)}`;
    if (names.has(name)) throw new FileFormatError(file, `${where} appears twice in the tensor infos`);
    names.add(name);
    if (!c.has(4)) await c.need(4, () => `${where}: n_dims`);
    const nDims = c.u32();
    if (nDims < 1 || nDims > GGML_MAX_DIMS) throw new FileFormatError(file, `${where}: n_dims ${nDims} is not 1 to ${GGML_MAX_DIMS}`);
    if (!c.has(8 * nDims + 12)) await c.need(8 * nDims + 12, () => `${where}: ne, type and offset`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const n = c.u64();
      if (n === 0) throw new FileFormatError(file, `${where}: dimension ne[${d}] is 0 (dimensions must be at least 1)`);
      if (n > Number.MAX_SAFE_INTEGER) throw new FileFormatError(file, `${where}: dimension ne[${d}] ${c.lastU64} is past 2^53 - 1`);
      ne.push(n);
    }
    const typeId = c.u32();
    const type = ggmlTypeName(typeId);
    if (type === undefined) {
      const known = OTHER_GGML_TYPES[typeId];
      throw new FileFormatError(file, `${where}: ggml type ${typeId}${known ? ` (${known})` : ' (unknown)'} is not one cria reads; it reads ${Object.keys(GGML_TYPE).join(', ')}`);
    }
    const offset = c.u64();
    relativeOffsets.push(c.lastU64);
    const shape = ne.slice().reverse();
    const what = `${where} (${type})`;
    let elements = 1;
    for (const n of ne) elements *= n;
    if (!Number.isSafeInteger(elements)) throw new FileFormatError(file, `${what}: shape [${shape.join(', ')}] has more than 2^53 - 1 elements`);
    const { blockElements, blockBytes } = GGML_BLOCK[type];
    if (ne[0]! % blockElements !== 0) {
      throw new FileFormatError(file, `${what}: last dimension ${ne[0]} is not a multiple of the block size ${blockElements}`);
    }
    const byteLength = (elements / blockElements) * blockBytes;
    if (!Number.isSafeInteger(byteLength)) throw new FileFormatError(file, `${what}: shape [${shape.join(', ')}] is too large (${byteLength} bytes)`);
    if (offset % alignment !== 0) {
      throw new FileFormatError(file, `${what}: data offset ${c.lastU64} is not a multiple of the alignment ${alignment}`);
    }
    tensors.push({ name, type, shape, offset, byteLength });
  }

  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const dataSize = fileSize - dataOffset;
  for (const [i, t] of tensors.entries()) {
    if (t.offset > dataSize - t.byteLength) {
      const relative = relativeOffsets[i]!;
      throw new FileFormatError(
        file,
        `${quoteTensor(t)}: data at offset ${relative} of the data section (file bytes ${BigInt(dataOffset) + BigInt(relative)}..${BigInt(dataOffset) + BigInt(relative) + BigInt(t.byteLength)}) is past the end of the file (${fileSize} bytes)`,
      );
    }
    t.offset += dataOffset;
  }
  const byOffset = tensors.slice().sort((a, b) => a.offset - b.offset || a.byteLength - b.byteLength);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!;
    const t = byOffset[i]!;
    if (t.offset < previous.offset + previous.byteLength) {
      throw new FileFormatError(file, `${quoteTensor(t)}: data at bytes ${t.offset}..${t.offset + t.byteLength} overlaps tensor ${quote(previous.name)} (bytes ${previous.offset}..${previous.offset + previous.byteLength})`);
    }
  }
  return { file, version, metadata, tensors, alignment, dataOffset, fileSize };
}

const quoteTensor = (t: GgufTensorInfo) => `tensor ${quote(t.name)} (${t.type}, shape [${t.shape.join(', ')}])`;

function alignmentOf(metadata: GgufMetadata, file: string): number {
  const value = metadata.get('general.alignment');
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== 'uint32' || typeof value.value !== 'number' || value.value === 0 || (value.value & (value.value - 1)) !== 0) {
    throw new FileFormatError(file, `metadata 'general.alignment' must be a uint32 power of two, got ${describeValue(value)}`);
  }
  return value.value;
}

/** A key or tensor name: UTF-8 or refused. */
function decodeName(bytes: Uint8Array, what: What, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new FileFormatError(file, `${what()} is not valid UTF-8`, { cause: error });
  }
}

/** A string's bytes (a view into the cursor's window, valid until its next read): u64 length, then the bytes. */
async function readStringBytes(c: HeaderCursor, what: What): Promise<Uint8Array> {
  if (!c.has(8)) await c.need(8, () => `${what()} (its length)`);
  const n = c.u64();
  if (n > c.remaining) throw c.pastEnd(c.lastU64, what);
  if (!c.has(n)) await c.need(n, what);
  return c.bytes(n);
}

async function readString(c: HeaderCursor, what: What): Promise<GgufString> {
  const bytes = await readStringBytes(c, what);
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.slice();
  }
}

function valueType(id: number, where: string, file: string): keyof typeof GGUF_VALUE_TYPE {
  const type = VALUE_TYPE_NAMES[id];
  if (type === undefined) {
    throw new FileFormatError(file, `${where}: unknown value type ${id} (GGUF value types are 0 to ${VALUE_TYPE_NAMES.length - 1})`);
  }
  return type;
}

async function readValue(c: HeaderCursor, where: string): Promise<GgufValue> {
  if (!c.has(4)) await c.need(4, () => `${where}: the value type`);
  const type = valueType(c.u32(), where, c.file);
  if (type === 'string') return { type, value: await readString(c, () => `${where} (string)`) };
  if (type !== 'array') {
    const size = MIN_BYTES[type];
    if (!c.has(size)) await c.need(size, () => `${where} (${type})`);
    const { view, at } = c.take(size);
    return { type, value: scalarAt(view, at, type) };
  }

  if (!c.has(12)) await c.need(12, () => `${where} (array): the item type and count`);
  const itemType = valueType(c.u32(), `${where} (array)`, c.file);
  if (itemType === 'array') throw new FileFormatError(c.file, `${where}: arrays of arrays are not supported (llama.cpp never writes them)`);
  const count = c.u64();
  const min = MIN_BYTES[itemType];
  if (count > c.remaining / min) {
    const exact = c.lastU64;
    throw c.pastEnd(BigInt(exact) * BigInt(min), () => `${where}: array of ${exact} ${itemType}`);
  }
  const what: What = () => `${where} (array of ${count} ${itemType})`;
  if (itemType === 'string') {
    const values: GgufString[] = [];
    for (let i = 0; i < count; i++) values.push(await readString(c, () => `${where} item ${i} (string)`));
    return { type, itemType, values };
  }
  if (itemType === 'bool') {
    const bytes = new Uint8Array(count);
    await c.copyInto(bytes, what);
    const values: boolean[] = new Array<boolean>(count);
    for (let i = 0; i < count; i++) values[i] = bytes[i] !== 0;
    return { type, itemType, values };
  }
  const Ctor = TYPED_ARRAY[itemType];
  const values = new Ctor(count);
  const bytes = new Uint8Array(values.buffer);
  await c.copyInto(bytes, what);
  if (!LITTLE_ENDIAN_HOST && Ctor.BYTES_PER_ELEMENT > 1) swapBytes(bytes, Ctor.BYTES_PER_ELEMENT);
  return { type, itemType, values: values as ArrayLike<GgufScalar> };
}

function scalarAt(view: DataView, at: number, type: Exclude<GgufScalarType, 'string'>): GgufScalar {
  switch (type) {
    case 'uint8': return view.getUint8(at);
    case 'int8': return view.getInt8(at);
    case 'uint16': return view.getUint16(at, true);
    case 'int16': return view.getInt16(at, true);
    case 'uint32': return view.getUint32(at, true);
    case 'int32': return view.getInt32(at, true);
    case 'float32': return view.getFloat32(at, true);
    case 'float64': return view.getFloat64(at, true);
    case 'uint64': return view.getBigUint64(at, true);
    case 'int64': return view.getBigInt64(at, true);
    case 'bool': return view.getUint8(at) !== 0;
  }
}

/** Little-endian items to host order on a big-endian host. */
function swapBytes(bytes: Uint8Array, size: number): void {
  for (let at = 0; at < bytes.byteLength; at += size) bytes.subarray(at, at + size).reverse();
}
