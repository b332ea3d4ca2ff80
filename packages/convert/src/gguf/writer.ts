// A GGUF v3 file: header, metadata, tensor infos, then each tensor's data at an aligned offset, streamed
// to a file handle chunk by chunk (memory stays bounded by the largest chunk a tensor source yields).
import { open, rm } from 'node:fs/promises';
import { ArgumentError } from '@cria/core';
import { GGML_BLOCK, GGML_TYPE, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, type GgmlTypeName } from '@cria/core';
import { ByteWriter, type GgufMetadata, checkValue, writeKeyValue } from './metadata.js';

/** One tensor to write. */
export interface GgufTensor {
  /** At most 63 bytes of UTF-8 (ggml's GGML_MAX_NAME is 64, with the terminator). */
  name: string;
  type: GgmlTypeName;
  /** Row-major shape, outermost dimension first (as torch and numpy give it); stored reversed, as ggml's ne[]. */
  shape: readonly number[];
  /** The tensor's bytes in order, in chunks of any size; their total must be the shape's element count × type size. */
  data(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Where each tensor's data goes in the file. */
export interface GgufLayout {
  /** Header, metadata and tensor infos, padded to the alignment: tensor data starts right after. */
  header: Uint8Array;
  alignment: number;
  /** Offsets relative to the start of the data section, and byte lengths. */
  tensors: { name: string; offset: number; byteLength: number }[];
  /** Total file size. */
  fileSize: number;
}

const GGML_MAX_NAME = 64;
const GGML_MAX_DIMS = 4;
const utf8 = new TextEncoder();

const pad = (x: number, n: number) => Math.ceil(x / n) * n;

function alignmentOf(metadata: GgufMetadata, where: string): number {
  const value = metadata.get('general.alignment');
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== 'uint32' || typeof value.value !== 'number' || value.value <= 0 || (value.value & (value.value - 1)) !== 0) {
    throw new ArgumentError(`${where}: metadata 'general.alignment' must be a uint32 power of two (llama.cpp reads it so), got ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
  return value.value;
}

function tensorByteLength(tensor: GgufTensor, index: number, where: string): number {
  const what = `${where}: tensors[${index}]`;
  if (typeof tensor !== 'object' || tensor === null) throw new ArgumentError(`${what} must be { name, type, shape, data }`);
  const { name, type, shape } = tensor;
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`${what}.name must be a non-empty string, got ${String(name)}`);
  if (utf8.encode(name).byteLength >= GGML_MAX_NAME) throw new ArgumentError(`${what}.name '${name}' is ${utf8.encode(name).byteLength} bytes; llama.cpp takes at most ${GGML_MAX_NAME - 1}`);
  if (!Object.hasOwn(GGML_TYPE, type)) throw new ArgumentError(`${what}.type of '${name}' must be one of ${Object.keys(GGML_TYPE).join(', ')}, got ${String(type)}`);
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > GGML_MAX_DIMS) {
    throw new ArgumentError(`${what}.shape of '${name}' must be an array of 1 to ${GGML_MAX_DIMS} dimensions, got ${Array.isArray(shape) ? `${shape.length} dimensions` : String(shape)}`);
  }
  let elements = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d <= 0) throw new ArgumentError(`${what}.shape of '${name}' must hold positive integers, got [${shape.join(', ')}]`);
    elements *= d;
  }
  const { blockElements, blockBytes } = GGML_BLOCK[type];
  if (shape[shape.length - 1]! % blockElements !== 0) {
    throw new ArgumentError(`${what}.shape of '${name}' must have a last dimension that is a multiple of ${blockElements} for ${type} (its block size), got [${shape.join(', ')}]`);
  }
  const byteLength = (elements / blockElements) * blockBytes;
  if (!Number.isSafeInteger(byteLength)) throw new ArgumentError(`${what}.shape of '${name}' is too large: [${shape.join(', ')}]`);
  if (typeof tensor.data !== 'function') throw new ArgumentError(`${what}.data of '${name}' must be a function returning its bytes in chunks`);
  return byteLength;
}

/** Validates metadata and tensors and lays the file out (nothing is read from the tensors). */
export function planGguf(metadata: GgufMetadata, tensors: readonly GgufTensor[], where = 'writeGguf'): GgufLayout {
  if (!(metadata instanceof Map)) throw new ArgumentError(`${where}: metadata must be a Map of key -> GGUF value (gguf.uint32(...), gguf.string(...), ...)`);
  if (!Array.isArray(tensors)) throw new ArgumentError(`${where}: tensors must be an array of { name, type, shape, data }`);
  const alignment = alignmentOf(metadata, where);
  const out = new ByteWriter();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, value] of metadata) {
    if (typeof key !== 'string' || key === '') throw new ArgumentError(`${where}: metadata keys must be non-empty strings, got ${JSON.stringify(key)}`);
    checkValue(key, value, `${where}: metadata '${key}'`);
    writeKeyValue(out, key, value);
  }
  const seen = new Set<string>();
  const placed: GgufLayout['tensors'] = [];
  let offset = 0;
  (tensors as readonly GgufTensor[]).forEach((tensor, i) => {
    const byteLength = tensorByteLength(tensor, i, where);
    if (seen.has(tensor.name)) throw new ArgumentError(`${where}: tensor '${tensor.name}' is given twice`);
    seen.add(tensor.name);
    out.string(tensor.name);
    out.u32(tensor.shape.length);
    for (let d = tensor.shape.length - 1; d >= 0; d--) out.u64(tensor.shape[d]!);
    out.u32(GGML_TYPE[tensor.type]);
    out.u64(offset);
    placed.push({ name: tensor.name, offset, byteLength });
    offset += pad(byteLength, alignment);
  });
  out.zeros(pad(out.length, alignment) - out.length);
  const header = out.result();
  return { header, alignment, tensors: placed, fileSize: header.byteLength + offset };
}

type FileHandle = { write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>; close(): Promise<void> };

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.byteLength - done, 1 << 30), position + done);
    done += bytesWritten;
  }
}

/**
 * Writes a GGUF file at `path`: `metadata` in its order, then `tensors` in theirs, each tensor's data
 * streamed from its `data()` chunks. A failure removes the partial file. Node only.
 */
export async function writeGguf(path: string, metadata: GgufMetadata, tensors: readonly GgufTensor[]): Promise<GgufLayout> {
  const where = `writeGguf(${typeof path === 'string' ? path : '?'})`;
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`writeGguf: path must be a non-empty string, got ${String(path)}`);
  const layout = planGguf(metadata, tensors, where);
  const handle = await open(path, 'w');
  try {
    await writeAll(handle, layout.header, 0);
    const zeros = new Uint8Array(layout.alignment);
    for (const [i, tensor] of tensors.entries()) {
      const { offset, byteLength } = layout.tensors[i]!;
      let position = layout.header.byteLength + offset;
      let written = 0;
      for await (const chunk of tensor.data()) {
        if (!(chunk instanceof Uint8Array)) throw new ArgumentError(`${where}: tensor '${tensor.name}' data must yield Uint8Array chunks`);
        if (written + chunk.byteLength > byteLength) throw new ArgumentError(`${where}: tensor '${tensor.name}' data gave more than its ${byteLength} bytes`);
        await writeAll(handle, chunk, position);
        position += chunk.byteLength;
        written += chunk.byteLength;
      }
      if (written !== byteLength) throw new ArgumentError(`${where}: tensor '${tensor.name}' data gave ${written} bytes, its shape and type need ${byteLength}`);
      await writeAll(handle, zeros.subarray(0, pad(byteLength, layout.alignment) - byteLength), position);
    }
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return layout;
}
