import { FileFormatError } from '@cria/core';

/** One field of a protobuf message: wire type 0 (varint), 1 (64-bit), 2 (bytes), 5 (32-bit). */
export interface ProtoField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** varint value (as a number; values above 2^53 lose precision, none of ours are) */
  varint?: number;
  /** raw bytes of a length-delimited or fixed-width field */
  bytes?: Uint8Array;
}

/** Reads the top-level fields of a protobuf message. Malformed input is a FileFormatError naming `file`. */
export function readProtoFields(bytes: Uint8Array, file: string, where = 'message'): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new FileFormatError(file, `${where}: ${what} at byte ${pos} (not a valid protobuf; is this a SentencePiece model?)`);
  };
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) fail('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    return fail('varint longer than 10 bytes');
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) fail('field number 0');
    switch (wire) {
      case 0:
        out.push({ field, wire, varint: varint() });
        break;
      case 1:
        if (pos + 8 > bytes.length) fail('truncated 64-bit field');
        out.push({ field, wire, bytes: bytes.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > bytes.length) fail(`length-delimited field ${field} of ${len} bytes runs past the end`);
        out.push({ field, wire, bytes: bytes.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        if (pos + 4 > bytes.length) fail('truncated 32-bit field');
        out.push({ field, wire, bytes: bytes.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        fail(`unsupported wire type ${wire} (field ${field})`);
    }
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function protoString(f: ProtoField, file: string, where: string): string {
  if (f.wire !== 2) throw new FileFormatError(file, `${where}: expected a string (wire type 2), got wire type ${f.wire}`);
  try {
    return utf8.decode(f.bytes!);
  } catch {
    throw new FileFormatError(file, `${where}: not valid UTF-8`);
  }
}

export function protoFloat(f: ProtoField, file: string, where: string): number {
  if (f.wire !== 5) throw new FileFormatError(file, `${where}: expected a float (wire type 5), got wire type ${f.wire}`);
  return new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true);
}

export function protoVarint(f: ProtoField, file: string, where: string): number {
  if (f.wire !== 0) throw new FileFormatError(file, `${where}: expected a varint (wire type 0), got wire type ${f.wire}`);
  const v = f.varint!;
  // int32 fields store negative numbers as 10-byte two's complement varints.
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}

// ---- writing (for save_pretrained of a changed model) ----

export class ProtoWriter {
  private chunks: number[] = [];

  private varint(v: number): void {
    if (v < 0) v += 2 ** 64;
    while (v >= 128) {
      this.chunks.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    this.chunks.push(v);
  }

  key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  writeVarint(field: number, v: number): void {
    this.key(field, 0);
    this.varint(v);
  }

  writeBytes(field: number, bytes: Uint8Array): void {
    this.key(field, 2);
    this.varint(bytes.length);
    for (const b of bytes) this.chunks.push(b);
  }

  writeString(field: number, s: string): void {
    this.writeBytes(field, new TextEncoder().encode(s));
  }

  writeFloat(field: number, v: number): void {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.chunks.push(x);
  }

  writeRaw(f: ProtoField): void {
    this.key(f.field, f.wire);
    if (f.wire === 0) this.varint(f.varint!);
    else if (f.wire === 2) {
      this.varint(f.bytes!.length);
      for (const b of f.bytes!) this.chunks.push(b);
    } else for (const b of f.bytes!) this.chunks.push(b);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}
