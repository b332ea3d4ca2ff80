// A read-only zip reader for PyTorch archives: it parses the central directory (ZIP64 included),
// keeps entries as (offset, size) ranges, and reads stored entries by range. It never inflates:
// compressed, encrypted or multi-disk archives are refused, and so is any entry whose declared size
// or offset reaches past the data area of the file (a zip bomb by declared size).
import { FileFormatError } from '@cria/core';
import type { ByteSource } from '@cria/core';
import { readRangeInto } from './read-into.js';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** The central directory is read whole; beyond this it is refused (PyTorch's are kilobytes). */
const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored; anything else is compressed and cannot be read by range. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly crc32: number;
}

export class ZipArchive {
  readonly #dataOffsets = new Map<string, number>();

  private constructor(
    readonly source: ByteSource,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    /** Where the central directory starts: every entry's data must end before it. */
    readonly dataAreaEnd: number,
  ) {}

  static async open(source: ByteSource): Promise<ZipArchive> {
    const { entries, centralOffset } = await readCentralDirectory(source);
    return new ZipArchive(source, entries, centralOffset);
  }

  get name(): string {
    return this.source.name;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): ZipEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new FileFormatError(this.name, `zip archive has no entry '${name}'`);
    return entry;
  }

  /** Reads `length` bytes at `offset` inside the (stored) entry. */
  async read(name: string, offset = 0, length?: number): Promise<Uint8Array> {
    const entry = this.entry(name);
    const want = length ?? entry.size - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(want) || offset < 0 || want < 0 || offset + want > entry.size) {
      throw new FileFormatError(this.name, `read of ${want} bytes at offset ${offset} is outside zip entry '${name}' (${entry.size} bytes)`);
    }
    const start = await this.dataOffset(entry);
    return this.source.read(start + offset, want);
  }

  /** Fills `target` with the entry's bytes at `offset` (no intermediate copy when the source can read into buffers). */
  async readInto(name: string, offset: number, target: Uint8Array): Promise<void> {
    const entry = this.entry(name);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.byteLength > entry.size) {
      throw new FileFormatError(this.name, `read of ${target.byteLength} bytes at offset ${offset} is outside zip entry '${name}' (${entry.size} bytes)`);
    }
    const start = (await this.dataOffset(entry)) + offset;
    await readRangeInto(this.source, start, target);
  }

  /** The absolute file offset of an entry's first data byte (checked against its local header). */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const known = this.#dataOffsets.get(entry.name);
    if (known !== undefined) return known;
    if (entry.method !== 0) {
      throw new FileFormatError(this.name, `zip entry '${entry.name}' is compressed (method ${entry.method}); only stored entries can be read (PyTorch never compresses)`);
    }
    if (entry.localHeaderOffset + LOCAL_SIZE > this.dataAreaEnd) {
      throw new FileFormatError(this.name, `zip entry '${entry.name}': local header at ${entry.localHeaderOffset} lies past the data area (${this.dataAreaEnd} bytes)`);
    }
    const header = await this.source.read(entry.localHeaderOffset, LOCAL_SIZE);
    const view = viewOf(header);
    if (view.getUint32(0, true) !== LOCAL_SIGNATURE) {
      throw new FileFormatError(this.name, `zip entry '${entry.name}': no local file header at offset ${entry.localHeaderOffset}`);
    }
    const nameLength = view.getUint16(26, true);
    const extraLength = view.getUint16(28, true);
    const start = entry.localHeaderOffset + LOCAL_SIZE + nameLength + extraLength;
    if (start + entry.size > this.dataAreaEnd) {
      throw new FileFormatError(
        this.name,
        `zip entry '${entry.name}' declares ${entry.size} bytes at offset ${start}, past the end of the data area (${this.dataAreaEnd} bytes): truncated or forged archive`,
      );
    }
    const localName = decodeName(await this.source.read(entry.localHeaderOffset + LOCAL_SIZE, nameLength), true);
    if (localName !== entry.name) {
      throw new FileFormatError(this.name, `zip entry '${entry.name}': its local header names '${localName}'`);
    }
    this.#dataOffsets.set(entry.name, start);
    return start;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

interface CentralDirectory {
  entries: Map<string, ZipEntry>;
  centralOffset: number;
}

async function readCentralDirectory(source: ByteSource): Promise<CentralDirectory> {
  const file = source.name;
  if (source.size < EOCD_SIZE) throw new FileFormatError(file, `too small to be a zip archive (${source.size} bytes); truncated?`);
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const tailView = viewOf(tail);

  let eocd = -1;
  for (let i = tail.byteLength - EOCD_SIZE; i >= 0; i--) {
    if (tailView.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_SIZE + tailView.getUint16(i + 20, true) === tail.byteLength) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FileFormatError(file, 'no zip end-of-central-directory record: not a zip archive, or truncated');

  const disk = tailView.getUint16(eocd + 4, true);
  const centralDisk = tailView.getUint16(eocd + 6, true);
  let count: number = tailView.getUint16(eocd + 10, true);
  let centralSize: number = tailView.getUint32(eocd + 12, true);
  let centralOffset: number = tailView.getUint32(eocd + 16, true);
  const eocdOffset = tailStart + eocd;

  const needsZip64 = count === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff;
  const locatorAt = eocd - ZIP64_LOCATOR_SIZE;
  const hasLocator = locatorAt >= 0 && tailView.getUint32(locatorAt, true) === ZIP64_LOCATOR_SIGNATURE;
  let directoryEnd = eocdOffset;
  if (hasLocator) {
    const zip64Offset = readUint64(tailView, locatorAt + 8, file, 'ZIP64 end-of-central-directory offset');
    if (zip64Offset + 56 > tailStart + locatorAt) throw new FileFormatError(file, `ZIP64 end-of-central-directory offset ${zip64Offset} lies past the locator`);
    const record = viewOf(await source.read(zip64Offset, 56));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw new FileFormatError(file, `no ZIP64 end-of-central-directory record at offset ${zip64Offset}`);
    if (record.getUint32(16, true) !== 0 || record.getUint32(20, true) !== 0) throw new FileFormatError(file, 'multi-disk zip archives are not supported');
    count = readUint64(record, 32, file, 'ZIP64 entry count');
    centralSize = readUint64(record, 40, file, 'ZIP64 central directory size');
    centralOffset = readUint64(record, 48, file, 'ZIP64 central directory offset');
    directoryEnd = zip64Offset;
  } else if (needsZip64) {
    throw new FileFormatError(file, 'zip end record needs ZIP64 but the ZIP64 locator is missing');
  } else if (disk !== 0 || centralDisk !== 0) {
    throw new FileFormatError(file, 'multi-disk zip archives are not supported');
  }

  if (centralOffset + centralSize > directoryEnd) {
    throw new FileFormatError(file, `central directory (${centralSize} bytes at ${centralOffset}) runs past the end record at ${directoryEnd}: truncated or forged archive`);
  }
  if (centralSize > MAX_CENTRAL_DIRECTORY_BYTES) {
    throw new FileFormatError(file, `central directory of ${centralSize} bytes exceeds the ${MAX_CENTRAL_DIRECTORY_BYTES}-byte limit`);
  }
  if (count * CENTRAL_SIZE > centralSize) {
    throw new FileFormatError(file, `zip declares ${count} entries but its central directory has only ${centralSize} bytes`);
  }

  const central = await source.read(centralOffset, centralSize);
  const view = viewOf(central);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > centralSize || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new FileFormatError(file, `central directory entry ${i} is missing or damaged (offset ${centralOffset + at})`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc32 = view.getUint32(at + 16, true);
    let compressedSize: number = view.getUint32(at + 20, true);
    let size: number = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const diskStart = view.getUint16(at + 34, true);
    let localHeaderOffset: number = view.getUint32(at + 42, true);
    const variableEnd = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (variableEnd > centralSize) throw new FileFormatError(file, `central directory entry ${i} runs past the directory`);
    const name = decodeName(central.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength), (flags & 0x800) !== 0);

    // ZIP64 extended information: the 64-bit values of the fields that read 0xFFFFFFFF, in order.
    let extra = at + CENTRAL_SIZE + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (extra + 4 + length > extraEnd) throw new FileFormatError(file, `zip entry '${name}': extra field runs past its end`);
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (what: string): number => {
          if (field + 8 > extra + 4 + length) throw new FileFormatError(file, `zip entry '${name}': ZIP64 extra field lacks the ${what}`);
          const value = readUint64(view, field, file, `zip entry '${name}' ${what}`);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = take('uncompressed size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('local header offset');
      }
      extra += 4 + length;
    }

    if (flags & 0x1) throw new FileFormatError(file, `zip entry '${name}' is encrypted`);
    if (diskStart !== 0 && diskStart !== 0xffff) throw new FileFormatError(file, `zip entry '${name}' starts on disk ${diskStart}: multi-disk archives are not supported`);
    if (method === 0 && compressedSize !== size) {
      throw new FileFormatError(file, `zip entry '${name}' is stored but declares ${size} bytes uncompressed and ${compressedSize} compressed`);
    }
    // Declared sizes are checked against the file before anything is read: the entry's header and
    // data must fit in front of the central directory.
    if (localHeaderOffset + LOCAL_SIZE + nameLength + compressedSize > centralOffset) {
      throw new FileFormatError(
        file,
        `zip entry '${name}' declares ${compressedSize} bytes at offset ${localHeaderOffset}, past the end of the data area (${centralOffset} bytes): truncated archive or zip bomb`,
      );
    }
    if (entries.has(name)) throw new FileFormatError(file, `zip archive has two entries named '${name}'`);
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset, crc32 });
    at = variableEnd;
  }
  return { entries, centralOffset };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readUint64(view: DataView, offset: number, file: string, what: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FileFormatError(file, `${what} ${value} is too large`);
  return Number(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

function decodeName(bytes: Uint8Array, isUtf8: boolean): string {
  // PyTorch writes ASCII names; UTF-8 is tried for any archive, the flag only chooses the fallback.
  return isUtf8 || bytes.every((b) => b < 0x80) ? utf8.decode(bytes) : latin1.decode(bytes);
}
