// The allocator of the WebAssembly runner: hands out 64-byte-aligned blocks of one WebAssembly.Memory above a base
// address. Bookkeeping lives in JavaScript (the kernels never allocate): a free list sorted by address, first fit,
// neighbours coalesced on release, and a block at the end of the heap given back to the unused top. The memory grows
// as needed, up to the 4 GiB a wasm32 memory can address.
import { ArgumentError, CriaError } from '@cria/core';

/** The most a wasm32 memory holds: 65536 pages of 64 KiB. */
export const WASM_MEMORY_LIMIT = 2 ** 32;
const PAGE = 65536;
const ALIGN = 64;
/** Growth comes in steps of at least this much (address space only: pages are touched when written). */
const GROW_STEP = 64 * 2 ** 20;

interface Block {
  start: number;
  size: number;
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export class WasmHeap {
  /** Free blocks inside [base, top), sorted by start, never adjacent (coalesced). */
  private readonly freeList: Block[] = [];
  /** start -> size of every block handed out. */
  private readonly used = new Map<number, number>();
  private top: number;
  /** Memory at or above this was never handed out, so it still holds the zeros it grew with. */
  private clean: number;
  private inUse = 0;

  /** `onGrow` runs after the memory grew (a plain memory's old ArrayBuffer is detached then). */
  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly onGrow: () => void = () => {},
  ) {
    this.top = alignUp(base);
    this.clean = this.top;
  }

  /** Bytes handed out and not yet released. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** The end of the highest block handed out (the heap's extent). */
  get end(): number {
    return this.top;
  }

  /** The start of `bytes` zero-filled bytes, 64-byte aligned. */
  allocate(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new ArgumentError(`alloc: cannot allocate ${bytes} bytes`);
    const size = Math.max(ALIGN, alignUp(bytes));
    let start = this.takeFree(size);
    if (start === undefined) {
      // Extend the heap (no free block ends at the top: release gives such a block back to the top).
      start = this.top;
      if (start + size > WASM_MEMORY_LIMIT) {
        throw new CriaError(
          `the WebAssembly memory is limited to 4 GiB (${WASM_MEMORY_LIMIT} bytes): cannot allocate ${bytes} bytes (${gib(bytes)}) ` +
            `with ${this.inUse} bytes (${gib(this.inUse)}) in use`,
        );
      }
      this.ensure(start + size, bytes);
      this.top = start + size;
    }
    this.used.set(start, size);
    this.inUse += size;
    if (start < this.clean) new Uint8Array(this.memory.buffer, start, Math.min(size, this.clean - start)).fill(0);
    this.clean = Math.max(this.clean, start + size);
    return start;
  }

  /** Gives back the block starting at `start`. */
  release(start: number): void {
    const size = this.used.get(start);
    if (size === undefined) throw new ArgumentError(`free: the array at byte ${start} was not allocated by this runner (or was freed already)`);
    this.used.delete(start);
    this.inUse -= size;
    let block: Block = { start, size };
    let at = this.freeList.findIndex((b) => b.start > start);
    if (at < 0) at = this.freeList.length;
    const next = this.freeList[at];
    if (next && block.start + block.size === next.start) {
      block.size += next.size;
      this.freeList.splice(at, 1);
    }
    const previous = this.freeList[at - 1];
    if (previous && previous.start + previous.size === block.start) {
      previous.size += block.size;
      block = previous;
      at -= 1;
    } else {
      this.freeList.splice(at, 0, block);
    }
    if (block.start + block.size === this.top) {
      this.freeList.splice(at, 1);
      this.top = block.start;
    }
  }

  /** First fit: the lowest free block of at least `size` bytes, split. */
  private takeFree(size: number): number | undefined {
    for (let i = 0; i < this.freeList.length; i++) {
      const block = this.freeList[i]!;
      if (block.size < size) continue;
      const start = block.start;
      if (block.size === size) this.freeList.splice(i, 1);
      else {
        block.start += size;
        block.size -= size;
      }
      return start;
    }
    return undefined;
  }

  /** Grows the memory to hold `end` bytes. */
  private ensure(end: number, asked: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const want = Math.min(WASM_MEMORY_LIMIT, Math.max(end, have + GROW_STEP));
    const pages = Math.ceil(want / PAGE) - have / PAGE;
    const needed = Math.ceil(end / PAGE) - have / PAGE;
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needed);
      } catch (error) {
        throw new CriaError(
          `the WebAssembly memory could not grow to ${end} bytes (${gib(end)}) for an allocation of ${asked} bytes ` +
            `(limit 4 GiB; ${this.inUse} bytes in use): ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    this.onGrow();
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
