import { DTYPE_BYTES, type ElementDType, type TypedArray, allocTypedArray, isElementDType, shapeSize } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { compareCodePoints } from './code-point-order.js';
import { SAFETENSORS_DTYPES, SAFETENSORS_NAME_OF } from './dtypes.js';
import type { SafetensorsTensorSpec } from './types.js';

/** A tensor's place in a file being written: data bytes [begin, end) after the header. */
export interface PlannedTensor extends SafetensorsTensorSpec {
  begin: number;
  end: number;
}

/** A file's layout: its header bytes (length prefix, JSON, padding) and where each tensor goes. */
export interface SafetensorsLayout {
  header: Uint8Array;
  /** Tensors in file order. */
  tensors: PlannedTensor[];
  /** Bytes of tensor data after the header. */
  dataSize: number;
}

/** Checks one tensor spec; returns its size in bytes. */
export function checkTensorSpec(spec: SafetensorsTensorSpec, where: string): number {
  if (typeof spec.name !== 'string') throw new ArgumentError(`${where}: tensor name must be a string`);
  if (spec.name === '__metadata__') throw new ArgumentError(`${where}: '__metadata__' cannot name a tensor`);
  if (!isElementDType(spec.dtype)) throw new ArgumentError(`${where}: tensor '${spec.name}' has unknown dtype ${JSON.stringify(spec.dtype)}`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(`${where}: tensor '${spec.name}' shape must be an array of non-negative integers, got ${JSON.stringify(spec.shape)}`);
  }
  const bytes = shapeSize(spec.shape) * DTYPE_BYTES[spec.dtype];
  if (!Number.isSafeInteger(bytes)) throw new ArgumentError(`${where}: tensor '${spec.name}' shape [${spec.shape.join(', ')}] is too large`);
  return bytes;
}

/** Checks that `data` holds exactly the tensor's elements; returns its bytes (a view, no copy). */
export function tensorDataBytes(spec: SafetensorsTensorSpec, data: TypedArray | Uint8Array, where: string): Uint8Array {
  const expectedBytes = shapeSize(spec.shape) * DTYPE_BYTES[spec.dtype];
  if (!ArrayBuffer.isView(data)) throw new ArgumentError(`${where}: data of tensor '${spec.name}' must be a typed array`);
  const hostType = allocTypedArray(spec.dtype, 0).constructor;
  if (!(data instanceof Uint8Array) && data.constructor !== hostType) {
    throw new ArgumentError(`${where}: data of tensor '${spec.name}' (${spec.dtype}) must be a ${hostType.name} or raw bytes (Uint8Array), got ${data.constructor.name}`);
  }
  if (data.byteLength !== expectedBytes) {
    throw new ArgumentError(`${where}: tensor '${spec.name}' [${spec.shape.join(', ')}] ${spec.dtype} needs ${expectedBytes} bytes of data, got ${data.byteLength}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Checks metadata (string -> string) and adds safetensors' default {"format": "pt"}. */
export function withDefaultMetadata(metadata: Record<string, string> | undefined, where: string): Record<string, string> {
  const merged: Record<string, string> = { format: 'pt' };
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== 'string') throw new ArgumentError(`${where}: metadata '${key}' must be a string, got ${typeof value}`);
    merged[key] = value;
  }
  return merged;
}

/**
 * Lays out a file as Hugging Face's safetensors writer does: tensors sorted by descending dtype
 * (safetensors' enum order), then by name; `__metadata__` first in the header; the JSON padded
 * with spaces to a multiple of 8 bytes.
 */
export function planSafetensorsLayout(specs: readonly SafetensorsTensorSpec[], metadata: Record<string, string>, where: string): SafetensorsLayout {
  const seen = new Set<string>();
  for (const spec of specs) {
    checkTensorSpec(spec, where);
    if (seen.has(spec.name)) throw new ArgumentError(`${where}: tensor '${spec.name}' is given twice`);
    seen.add(spec.name);
  }
  const rank = (dtype: ElementDType) => SAFETENSORS_DTYPES[SAFETENSORS_NAME_OF[dtype]]!.rank;
  const ordered = [...specs].sort((a, b) => rank(b.dtype) - rank(a.dtype) || compareCodePoints(a.name, b.name));
  let offset = 0;
  const tensors: PlannedTensor[] = ordered.map((spec) => {
    const begin = offset;
    offset += shapeSize(spec.shape) * DTYPE_BYTES[spec.dtype];
    return { name: spec.name, dtype: spec.dtype, shape: [...spec.shape], begin, end: offset };
  });
  const entries = [`"__metadata__":${JSON.stringify(metadata)}`];
  for (const t of tensors) {
    entries.push(`${JSON.stringify(t.name)}:{"dtype":"${SAFETENSORS_NAME_OF[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${t.begin},${t.end}]}`);
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.byteLength);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, tensors, dataSize: offset };
}
