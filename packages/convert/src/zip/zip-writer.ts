// A streaming zip writer for stored (uncompressed) entries, laid out as PyTorch writes its archives:
// each entry's data aligned to 64 bytes through a padding extra field, ZIP64 records when sizes or
// offsets pass 4 GiB (or when asked, to test readers). Used to write .pth/.bin checkpoints.
import { open, type FileHandle } from 'node:fs/promises';
import { ArgumentError } from '@cria/core';
import { crc32 } from './crc32.js';

export interface ZipWriterOptions {
  /** Align each entry's data to this many bytes (PyTorch: 64). */
  align?: number;
  /** Write ZIP64 records for every entry even when small (to exercise readers). */
  forceZip64?: boolean;
}

interface WrittenEntry {
  name: Uint8Array;
  offset: number;
  size: number;
  crc: number;
  zip64: boolean;
}

const U32_MAX = 0xffffffff;

export class ZipWriter {
  #position = 0;
  #entries: WrittenEntry[] = [];
  #open: { entry: WrittenEntry; written: number } | undefined;
  #closed = false;

  private constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly options: Required<ZipWriterOptions>,
  ) {}

  static async create(path: string, options: ZipWriterOptions = {}): Promise<ZipWriter> {
    return new ZipWriter(path, await open(path, 'w'), { align: options.align ?? 64, forceZip64: options.forceZip64 ?? false });
  }

  /** Starts an entry of exactly `size` bytes; feed it with `write`, finish with `endEntry`. */
  async beginEntry(name: string, size: number): Promise<void> {
    if (this.#open) throw new ArgumentError(`zip entry '${new TextDecoder().decode(this.#open.entry.name)}' is still open`);
    if (!Number.isSafeInteger(size) || size < 0) throw new ArgumentError(`zip entry size must be a non-negative integer, got ${size}`);
    const nameBytes = new TextEncoder().encode(name);
    const zip64 = this.options.forceZip64 || size >= U32_MAX || this.#position >= U32_MAX;
    const zip64Extra = zip64 ? 20 : 0; // id, length, uncompressed, compressed
    const headerEnd = this.#position + 30 + nameBytes.length + zip64Extra;
    let pad = 0;
    if (this.options.align > 1) {
      pad = (this.options.align - ((headerEnd + 4) % this.options.align)) % this.options.align;
      pad += 4; // the padding extra field's own header
    }
    const header = new Uint8Array(30 + nameBytes.length + zip64Extra + pad);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, zip64 ? 45 : 20, true);
    view.setUint16(6, 0x08 | 0x800, true); // sizes and CRC in a data descriptor; UTF-8 names
    view.setUint16(8, 0, true); // stored
    view.setUint32(18, zip64 ? U32_MAX : size, true);
    view.setUint32(22, zip64 ? U32_MAX : size, true);
    view.setUint16(26, nameBytes.length, true);
    view.setUint16(28, zip64Extra + pad, true);
    header.set(nameBytes, 30);
    let at = 30 + nameBytes.length;
    if (zip64) {
      view.setUint16(at, 0x0001, true);
      view.setUint16(at + 2, 16, true);
      view.setBigUint64(at + 4, BigInt(size), true);
      view.setBigUint64(at + 12, BigInt(size), true);
      at += 20;
    }
    if (pad > 0) {
      view.setUint16(at, 0x4246, true); // 'FB', PyTorch's alignment padding
      view.setUint16(at + 2, pad - 4, true);
    }
    const entry: WrittenEntry = { name: nameBytes, offset: this.#position, size, crc: 0, zip64 };
    await this.#append(header);
    this.#open = { entry, written: 0 };
  }

  async write(chunk: Uint8Array): Promise<void> {
    const open = this.#open;
    if (!open) throw new ArgumentError('no zip entry is open');
    if (open.written + chunk.byteLength > open.entry.size) throw new ArgumentError(`zip entry gets more than its declared ${open.entry.size} bytes`);
    open.entry.crc = crc32(chunk, open.entry.crc);
    open.written += chunk.byteLength;
    await this.#append(chunk);
  }

  async endEntry(): Promise<void> {
    const open = this.#open;
    if (!open) throw new ArgumentError('no zip entry is open');
    if (open.written !== open.entry.size) throw new ArgumentError(`zip entry got ${open.written} of its declared ${open.entry.size} bytes`);
    const { entry } = open;
    const descriptor = new Uint8Array(entry.zip64 ? 24 : 16);
    const view = new DataView(descriptor.buffer);
    view.setUint32(0, 0x08074b50, true);
    view.setUint32(4, entry.crc, true);
    if (entry.zip64) {
      view.setBigUint64(8, BigInt(entry.size), true);
      view.setBigUint64(16, BigInt(entry.size), true);
    } else {
      view.setUint32(8, entry.size, true);
      view.setUint32(12, entry.size, true);
    }
    await this.#append(descriptor);
    this.#entries.push(entry);
    this.#open = undefined;
  }

  async addEntry(name: string, data: Uint8Array): Promise<void> {
    await this.beginEntry(name, data.byteLength);
    await this.write(data);
    await this.endEntry();
  }

  /** Writes the central directory and end records and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#open) throw new ArgumentError('close() with a zip entry still open');
    const centralOffset = this.#position;
    for (const entry of this.#entries) {
      const offsetBig = entry.offset >= U32_MAX;
      const zip64 = entry.zip64 || offsetBig;
      const extraLength = zip64 ? 4 + (entry.zip64 ? 16 : 0) + (offsetBig ? 8 : 0) : 0;
      const record = new Uint8Array(46 + entry.name.length + extraLength);
      const view = new DataView(record.buffer);
      view.setUint32(0, 0x02014b50, true);
      view.setUint16(4, 45, true);
      view.setUint16(6, zip64 ? 45 : 20, true);
      view.setUint16(8, 0x08 | 0x800, true);
      view.setUint16(10, 0, true);
      view.setUint32(16, entry.crc, true);
      view.setUint32(20, entry.zip64 ? U32_MAX : entry.size, true);
      view.setUint32(24, entry.zip64 ? U32_MAX : entry.size, true);
      view.setUint16(28, entry.name.length, true);
      view.setUint16(30, extraLength, true);
      view.setUint32(42, offsetBig ? U32_MAX : entry.offset, true);
      record.set(entry.name, 46);
      if (zip64) {
        let at = 46 + entry.name.length;
        view.setUint16(at, 0x0001, true);
        view.setUint16(at + 2, extraLength - 4, true);
        at += 4;
        if (entry.zip64) {
          view.setBigUint64(at, BigInt(entry.size), true);
          view.setBigUint64(at + 8, BigInt(entry.size), true);
          at += 16;
        }
        if (offsetBig) view.setBigUint64(at, BigInt(entry.offset), true);
      }
      await this.#append(record);
    }
    const centralSize = this.#position - centralOffset;
    const count = this.#entries.length;
    const zip64End = this.options.forceZip64 || centralOffset >= U32_MAX || count >= 0xffff;
    if (zip64End) {
      const zip64Offset = this.#position;
      const record = new Uint8Array(56 + 20);
      const view = new DataView(record.buffer);
      view.setUint32(0, 0x06064b50, true);
      view.setBigUint64(4, 44n, true);
      view.setUint16(12, 45, true);
      view.setUint16(14, 45, true);
      view.setBigUint64(24, BigInt(count), true);
      view.setBigUint64(32, BigInt(count), true);
      view.setBigUint64(40, BigInt(centralSize), true);
      view.setBigUint64(48, BigInt(centralOffset), true);
      view.setUint32(56, 0x07064b50, true);
      view.setBigUint64(64, BigInt(zip64Offset), true);
      view.setUint32(72, 1, true);
      await this.#append(record);
    }
    const end = new Uint8Array(22);
    const view = new DataView(end.buffer);
    view.setUint32(0, 0x06054b50, true);
    view.setUint16(8, zip64End ? 0xffff : count, true);
    view.setUint16(10, zip64End ? 0xffff : count, true);
    view.setUint32(12, zip64End ? U32_MAX : centralSize, true);
    view.setUint32(16, zip64End ? U32_MAX : centralOffset, true);
    await this.#append(end);
    await this.handle.close();
    this.#closed = true;
  }

  async #append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.byteLength - done, this.#position + done);
      done += bytesWritten;
    }
    this.#position += bytes.byteLength;
  }
}
