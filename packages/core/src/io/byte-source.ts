import { ArgumentError, FileFormatError } from '../errors.js';
import { nodeFs, nodePath } from './node-modules.js';

/**
 * Random access to the bytes of one file, wherever it lives (a Node file handle, a Blob, an HTTP
 * server, memory). Readers ask for ranges, so a large file is never read whole into one buffer.
 */
export interface ByteSource {
  /** The file's name as errors should show it (a path, a URL, a File's name). */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` into a fresh array; fails if the range is beyond the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Fills `target` with the `target.byteLength` bytes at `offset`, without allocating (so a caller can
   * reuse one buffer over many reads); fails like `read` if the range is beyond the end. Optional:
   * sources without it are read with `read`.
   */
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  /** Releases the file handle (if any). Idempotent. */
  close(): Promise<void>;
  /** The absolute path of a local file (`fileSource`), so a backend can map it instead of reading it; else absent. */
  readonly localPath?: string;
}

/** Validates the target of a `readInto`. */
function checkReadTarget(name: string, target: Uint8Array): void {
  if (!(target instanceof Uint8Array)) throw new ArgumentError(`${name}: readInto target must be a Uint8Array`);
}

/** Validates a read request against a source of `size` bytes. */
export function checkReadRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ArgumentError(`${name}: read offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new ArgumentError(`${name}: read length must be a non-negative integer, got ${length}`);
  if (offset + length > size) {
    throw new FileFormatError(name, `cannot read ${length} bytes at offset ${offset}: the file has ${size} bytes`);
  }
}

// One positional read call asks for at most this much (Node caps a single read at 2 GiB).
const MAX_READ_CHUNK = 1 << 30;

/** A file on disk, read with positional reads on one Node file handle. Node only. */
export async function fileSource(path: string): Promise<ByteSource> {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`fileSource: path must be a non-empty string, got ${String(path)}`);
  const fs = await nodeFs();
  const handle = await fs.open(path, 'r');
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ArgumentError(`${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed = false;
  const readInto = async (offset: number, target: Uint8Array): Promise<void> => {
    if (closed) throw new ArgumentError(`${path}: read after close()`);
    checkReadTarget(path, target);
    const length = target.byteLength;
    checkReadRange(path, size, offset, length);
    let done = 0;
    while (done < length) {
      const want = Math.min(length - done, MAX_READ_CHUNK);
      const { bytesRead } = await handle.read(target, done, want, offset + done);
      if (bytesRead === 0) {
        throw new FileFormatError(path, `file ended at byte ${offset + done} while reading ${length} bytes at offset ${offset} (was it truncated while open?)`);
      }
      done += bytesRead;
    }
  };
  const { resolve } = await nodePath();
  return {
    name: path,
    size,
    localPath: resolve(path),
    async read(offset, length) {
      if (closed) throw new ArgumentError(`${path}: read after close()`);
      checkReadRange(path, size, offset, length);
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    readInto,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** Bytes in memory. `read` returns copies, so callers may keep or change what they get. */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`bytesSource: bytes must be a Uint8Array`);
  return {
    name,
    size: bytes.byteLength,
    async read(offset, length) {
      checkReadRange(name, bytes.byteLength, offset, length);
      return bytes.slice(offset, offset + length);
    },
    async readInto(offset, target) {
      checkReadTarget(name, target);
      checkReadRange(name, bytes.byteLength, offset, target.byteLength);
      target.set(bytes.subarray(offset, offset + target.byteLength));
    },
    async close() {},
  };
}

/** A browser File or any Blob, read by `slice().arrayBuffer()`. */
export function blobSource(blob: Blob, name?: string): ByteSource {
  const sourceName = name ?? ((blob as Partial<File>).name || 'blob');
  return {
    name: sourceName,
    size: blob.size,
    async read(offset, length) {
      checkReadRange(sourceName, blob.size, offset, length);
      const bytes = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      if (bytes.byteLength !== length) {
        throw new FileFormatError(sourceName, `read ${bytes.byteLength} bytes at offset ${offset}, expected ${length}`);
      }
      return bytes;
    },
    async close() {},
  };
}

/**
 * A file on an HTTP(S) server, read with Range requests. The size comes from a HEAD request's
 * Content-Length (or, failing that, from the Content-Range of a one-byte GET).
 */
export async function httpSource(url: string): Promise<ByteSource> {
  return httpSourceOfSize(url, await remoteSize(url));
}

/** An HTTP source whose size is already known (from a HEAD the caller made). */
export function httpSourceOfSize(url: string, size: number): ByteSource {
  return {
    name: url,
    size,
    async read(offset, length) {
      checkReadRange(url, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      const response = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
      const wholeFile = response.status === 200 && offset === 0 && length === size;
      if (response.status !== 206 && !wholeFile) {
        await response.body?.cancel();
        throw new FileFormatError(url, `range request for bytes ${offset}-${offset + length - 1} got HTTP ${response.status} (the server must answer Range requests with 206)`);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength !== length) {
        throw new FileFormatError(url, `range request for ${length} bytes at offset ${offset} returned ${bytes.byteLength} bytes`);
      }
      return bytes;
    },
    async close() {},
  };
}

async function remoteSize(url: string): Promise<number> {
  const head = await fetch(url, { method: 'HEAD' });
  if (head.status === 404) throw new FileFormatError(url, 'not found (HTTP 404)');
  return sizeFromHead(url, head);
}

/** The size a HEAD response gives (Content-Length), or failing that the total of a one-byte ranged GET. */
export async function sizeFromHead(url: string, head: Response): Promise<number> {
  const length = head.ok ? parseContentLength(head.headers.get('content-length')) : undefined;
  if (length !== undefined) return length;
  const probe = await fetch(url, { headers: { Range: 'bytes=0-0' } });
  await probe.body?.cancel();
  const total = /\/(\d+)\s*$/.exec(probe.headers.get('content-range') ?? '')?.[1];
  if (probe.status === 206 && total !== undefined) return Number(total);
  throw new FileFormatError(url, `cannot tell the file's size (HEAD: HTTP ${head.status}, no Content-Length; ranged GET: HTTP ${probe.status}, no Content-Range)`);
}

function parseContentLength(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A source that also counts the bytes read through it and logs each range (for tests and benchmarks). */
export interface CountingSource extends ByteSource {
  bytesRead: number;
  readonly reads: { offset: number; length: number }[];
}

/** Counts and logs what is read through `source`; it has `readInto` exactly when `source` has. */
export function countingSource(source: ByteSource): CountingSource {
  const counting: CountingSource = {
    name: source.name,
    size: source.size,
    bytesRead: 0,
    reads: [],
    async read(offset, length) {
      const bytes = await source.read(offset, length);
      counting.bytesRead += bytes.byteLength;
      counting.reads.push({ offset, length });
      return bytes;
    },
    close: () => source.close(),
  };
  if (source.readInto) {
    const readInto = source.readInto.bind(source);
    counting.readInto = async (offset, target) => {
      await readInto(offset, target);
      counting.bytesRead += target.byteLength;
      counting.reads.push({ offset, length: target.byteLength });
    };
  }
  return counting;
}
