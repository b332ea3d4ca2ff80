// Test helper: a minimal GGUF reader, independent of the writer, so what it wrote is checked by code that did not write it.
export type ParsedValue = number | bigint | boolean | string | ParsedValue[];

export interface ParsedGguf {
  version: number;
  metadata: Map<string, { type: number; value: ParsedValue; itemType?: number }>;
  tensors: { name: string; ne: bigint[]; type: number; offset: bigint }[];
  alignment: number;
  dataOffset: number;
  bytes: Uint8Array;
}

const TYPE_NAMES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'];
export const typeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

export function parseGguf(bytes: Uint8Array): ParsedGguf {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const u64 = () => ((at += 8), view.getBigUint64(at - 8, true));
  const str = () => {
    const n = Number(u64());
    at += n;
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at - n, at));
  };
  const value = (type: number): ParsedValue => {
    switch (type) {
      case 0: return view.getUint8(at++);
      case 1: return view.getInt8(at++);
      case 2: return ((at += 2), view.getUint16(at - 2, true));
      case 3: return ((at += 2), view.getInt16(at - 2, true));
      case 4: return u32();
      case 5: return ((at += 4), view.getInt32(at - 4, true));
      case 6: return ((at += 4), view.getFloat32(at - 4, true));
      case 7: return view.getUint8(at++) !== 0;
      case 8: return str();
      case 10: return u64();
      case 11: return ((at += 8), view.getBigInt64(at - 8, true));
      case 12: return ((at += 8), view.getFloat64(at - 8, true));
      default: throw new Error(`bad value type ${type} at ${at}`);
    }
  };
  if (u32() !== 0x46554747) throw new Error('bad magic');
  const version = u32();
  const nTensors = Number(u64());
  const nKv = Number(u64());
  const metadata: ParsedGguf['metadata'] = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    if (type === 9) {
      const itemType = u32();
      const n = Number(u64());
      const items: ParsedValue[] = [];
      for (let k = 0; k < n; k++) items.push(value(itemType));
      metadata.set(key, { type, itemType, value: items });
    } else metadata.set(key, { type, value: value(type) });
  }
  const tensors: ParsedGguf['tensors'] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const dims = u32();
    const ne = Array.from({ length: dims }, () => u64());
    tensors.push({ name, ne, type: u32(), offset: u64() });
  }
  const alignmentEntry = metadata.get('general.alignment');
  const alignment = alignmentEntry ? Number(alignmentEntry.value) : 32;
  const dataOffset = Math.ceil(at / alignment) * alignment;
  return { version, metadata, tensors, alignment, dataOffset, bytes };
}

const SIZE: Record<number, number> = { 0: 4, 1: 2, 30: 2 };

/** The bytes of one tensor of a parsed file. */
export function tensorBytes(file: ParsedGguf, name: string): Uint8Array {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  const n = t.ne.reduce((a, b) => a * Number(b), 1) * SIZE[t.type]!;
  const start = file.dataOffset + Number(t.offset);
  return file.bytes.subarray(start, start + n);
}

/** Everything but the tensor data, as plain JSON-able text lines: for readable diffs. */
export function describeGguf(file: ParsedGguf): string[] {
  const show = (v: ParsedValue): string => (Array.isArray(v) ? `[${v.length}] ${JSON.stringify(v.slice(0, 4), (_k, x) => (typeof x === 'bigint' ? String(x) : x))}…` : typeof v === 'bigint' ? String(v) : JSON.stringify(v));
  return [
    `version ${file.version}`,
    ...[...file.metadata].map(([k, v]) => `${k}: ${typeName(v.type)}${v.itemType !== undefined ? `<${typeName(v.itemType)}>` : ''} ${show(v.value)}`),
    ...file.tensors.map((t) => `tensor ${t.name} ne=[${t.ne.join(',')}] type=${t.type} offset=${t.offset}`),
  ];
}
