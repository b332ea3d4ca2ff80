// "Device memory" of the emulated CUDA context: host ArrayBuffers keyed by bigint addresses that are never
// reused, so a stale pointer can never reach another allocation. Fresh and freed memory is filled with
// POISON_BYTE (NaN in float32 / float16 / bfloat16, -1 in int32) so reads of memory nobody wrote show up wrong.
import { bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ToBfloat16, float32ToFloat16 } from '@cria/core';
import { DTYPE_CODE, type DevicePtr } from '../binding.js';

/** Every byte of fresh or freed memory: 0xff is a NaN in each float dtype and -1 in int32. */
export const POISON_BYTE = 0xff;

/** The first address handed out (looks like a device address; far from 0 so a null pointer is never valid). */
const FIRST_ADDRESS = 0x7f00_0000_0000n;
/** Allocations are 256-byte aligned (as cudaMallocAsync's) with a 256-byte gap between them. */
const ALIGN = 256;

/**
 * - live: usable.
 * - unrealised: allocated while capturing a graph that has not run yet; graph memory exists only once it runs.
 * - graph-freed: freed by a graph's recorded work; the graph keeps the address for its next replay, so, as on the
 *   device, reading it is not an error but gives whatever is there: the poison written when it was freed.
 * - freed: gone for good; any access throws.
 */
export type BlockState = 'live' | 'unrealised' | 'graph-freed' | 'freed';

export interface Block {
  readonly base: DevicePtr;
  /** The bytes asked for (at least 16, as the native alloc rounds up). */
  readonly bytes: number;
  data: Uint8Array;
  state: BlockState;
  /** What happened to it last, for error messages ("freed by free()", "freed by CUDA graph 2 at replay"). */
  note: string;
}

export const hex = (p: DevicePtr): string => `0x${p.toString(16)}`;

export class DeviceMemory {
  readonly #blocks = new Map<DevicePtr, Block>();
  /** Every block ever made, in address order (addresses only grow): for pointers inside a block. */
  readonly #ordered: Block[] = [];
  #next = FIRST_ADDRESS;
  #used = 0;

  constructor(readonly totalBytes: number) {}

  /** Bytes held by blocks that are not freed for good. */
  get usedBytes(): number {
    return this.#used;
  }

  alloc(bytes: number, state: 'live' | 'unrealised'): Block {
    const size = Math.max(bytes, 16);
    if (this.#used + size > this.totalBytes) {
      throw new Error(`CUDA cudaMallocAsync failed: cudaErrorMemoryAllocation: out of memory (${bytes} bytes asked, ${this.totalBytes - this.#used} of ${this.totalBytes} free on the emulated device)`);
    }
    const block: Block = { base: this.#next, bytes: size, data: new Uint8Array(size).fill(POISON_BYTE), state, note: state === 'live' ? 'allocated' : 'allocated while capturing' };
    this.#next += BigInt(Math.ceil(size / ALIGN) * ALIGN + ALIGN);
    this.#blocks.set(block.base, block);
    this.#ordered.push(block);
    this.#used += size;
    return block;
  }

  /** The block starting at `ptr`, or undefined (for free(), which takes only what alloc returned). */
  blockAt(ptr: DevicePtr): Block | undefined {
    return this.#blocks.get(ptr);
  }

  /** Frees for good: poisons, drops the bytes, and any later access throws. */
  release(block: Block, note: string): void {
    if (block.state === 'freed') return;
    block.data.fill(POISON_BYTE);
    block.data = new Uint8Array(0);
    block.state = 'freed';
    block.note = note;
    this.#used -= block.bytes;
  }

  /** Poisons a block whose address stays reserved (a graph's temp freed by its recorded work). */
  poison(block: Block, state: 'graph-freed' | 'live', note: string): void {
    block.data.fill(POISON_BYTE);
    block.state = state;
    block.note = note;
  }

  releaseAll(note: string): void {
    for (const block of this.#ordered) this.release(block, note);
  }

  /**
   * `bytes` bytes at `ptr` (a view: writes go to the device). `method` names the native call for errors.
   * Throws for a null, unknown, freed or not yet realised pointer, a range past the allocation's end, or an address
   * not aligned to `align` bytes.
   */
  bytesAt(method: string, what: string, ptr: DevicePtr, bytes: number, align = 1): Uint8Array {
    const block = this.#find(ptr);
    const where = `${method}: ${what} ${hex(ptr)}`;
    if (!block) throw new Error(`${where} is not device memory of this context (never allocated here)`);
    if (block.state === 'freed') throw new Error(`${where} was freed (${block.note}); it was used after free`);
    if (block.state === 'unrealised') throw new Error(`${where} is memory of a CUDA graph that has not been replayed yet (${block.note}); it exists only once the graph runs`);
    const offset = Number(ptr - block.base);
    if (offset % align !== 0) throw new Error(`${where} is not aligned to ${align} bytes (${offset} bytes into its allocation at ${hex(block.base)})`);
    if (offset + bytes > block.bytes) {
      throw new Error(`${where}: ${bytes} bytes at offset ${offset} run past the end of its allocation of ${block.bytes} bytes at ${hex(block.base)}`);
    }
    return block.data.subarray(offset, offset + bytes);
  }

  f32(method: string, what: string, ptr: DevicePtr, count: number): Float32Array {
    const b = this.bytesAt(method, what, ptr, count * 4, 4);
    return new Float32Array(b.buffer, b.byteOffset, count);
  }

  i32(method: string, what: string, ptr: DevicePtr, count: number): Int32Array {
    const b = this.bytesAt(method, what, ptr, count * 4, 4);
    return new Int32Array(b.buffer, b.byteOffset, count);
  }

  u16(method: string, what: string, ptr: DevicePtr, count: number): Uint16Array {
    const b = this.bytesAt(method, what, ptr, count * 2, 2);
    return new Uint16Array(b.buffer, b.byteOffset, count);
  }

  /** `count` elements of a float32 / float16 / bfloat16 / int32 tensor widened to float32 (a copy for all but float32). */
  widened(method: string, what: string, dtype: number, ptr: DevicePtr, count: number): Float32Array {
    switch (dtype) {
      case DTYPE_CODE.float32:
        return this.f32(method, what, ptr, count);
      case DTYPE_CODE.float16:
        return float16ArrayToFloat32(this.u16(method, what, ptr, count));
      case DTYPE_CODE.bfloat16:
        return bfloat16ArrayToFloat32(this.u16(method, what, ptr, count));
      case DTYPE_CODE.int32:
        return Float32Array.from(this.i32(method, what, ptr, count));
      default:
        throw new RangeError(`${method}: unknown dtype code ${dtype} for ${what}`);
    }
  }

  /** A store of float values into a float32 / float16 / bfloat16 tensor, rounding to nearest even. */
  floatStore(method: string, what: string, dtype: number, ptr: DevicePtr, count: number): (i: number, value: number) => void {
    switch (dtype) {
      case DTYPE_CODE.float32: {
        const out = this.f32(method, what, ptr, count);
        return (i, v) => {
          out[i] = v;
        };
      }
      case DTYPE_CODE.float16: {
        const out = this.u16(method, what, ptr, count);
        return (i, v) => {
          out[i] = float32ToFloat16(v);
        };
      }
      case DTYPE_CODE.bfloat16: {
        const out = this.u16(method, what, ptr, count);
        return (i, v) => {
          out[i] = float32ToBfloat16(v);
        };
      }
      default:
        throw new RangeError(`${method}: ${what} must be float32, float16 or bfloat16 (dtype codes 0-2), got code ${dtype}`);
    }
  }

  #find(ptr: DevicePtr): Block | undefined {
    const exact = this.#blocks.get(ptr);
    if (exact) return exact;
    // The last block starting at or below ptr, if ptr lies inside it.
    let lo = 0;
    let hi = this.#ordered.length - 1;
    let found: Block | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const block = this.#ordered[mid]!;
      if (block.base <= ptr) {
        found = block;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found && ptr < found.base + BigInt(found.bytes) ? found : undefined;
  }
}
