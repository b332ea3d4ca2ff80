// A ByteSource over a file that can also read straight into a caller's buffer (`readInto`), so
// the converter reuses one buffer per tensor instead of allocating a fresh one per read.
import { open } from 'node:fs/promises';
import { FileFormatError, type ByteSource } from '@cria/core';

export interface ReadIntoSource extends ByteSource {
  /** Fills `target` with the bytes at `offset`. */
  readInto(offset: number, target: Uint8Array): Promise<void>;
}

export function canReadInto(source: ByteSource): source is ReadIntoSource {
  return typeof (source as Partial<ReadIntoSource>).readInto === 'function';
}

export async function openFileRanges(path: string): Promise<ReadIntoSource> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  const readInto = async (offset: number, target: Uint8Array): Promise<void> => {
    if (closed) throw new FileFormatError(path, 'read after close');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.byteLength > size) {
      throw new FileFormatError(path, `cannot read ${target.byteLength} bytes at offset ${offset}: the file has ${size} bytes`);
    }
    let done = 0;
    while (done < target.byteLength) {
      const chunk = Math.min(target.byteLength - done, 1 << 30);
      const { bytesRead } = await handle.read(target, done, chunk, offset + done);
      if (bytesRead === 0) throw new FileFormatError(path, `unexpected end of file at byte ${offset + done}`);
      done += bytesRead;
    }
  };
  return {
    name: path,
    size,
    readInto,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
