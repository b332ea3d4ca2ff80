// The random-access byte source the readers work on. @cria/core is gaining the same `ByteSource`
// shape (name, size, read, close); this local definition is structurally identical so either can be
// passed, and `fileSource` here opens a file by ranges without reading it whole.
import { open, type FileHandle } from 'node:fs/promises';
import { FileFormatError } from '@cria/core';

export interface ByteSource {
  /** The name used in error messages (usually the file path). */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; throws if the range is outside the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void> | void;
}

/** A ByteSource over a file on disk, read by ranges through one file handle. */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  let closed = false;
  return {
    name: path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (closed) throw new FileFormatError(path, 'read after close');
      checkRange(path, size, offset, length);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new FileFormatError(path, `unexpected end of file at byte ${offset + done} (file shrank while reading?)`);
        done += bytesRead;
      }
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** A ByteSource over bytes already in memory (tests, small files). */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(name, bytes.byteLength, offset, length);
      return bytes.slice(offset, offset + length);
    },
    close(): void {},
  };
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FileFormatError(name, `read of ${length} bytes at offset ${offset} is outside the file (${size} bytes)`);
  }
}
