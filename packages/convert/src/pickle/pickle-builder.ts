// Emits pickle opcodes one by one. The checkpoint writer uses it to write what torch.save writes,
// and the tests use it to forge hostile pickles opcode by opcode.
export class PickleBuilder {
  #chunks: number[] = [];
  #memo = 0;

  raw(...bytes: number[]): this {
    for (const b of bytes) this.#chunks.push(b & 0xff);
    return this;
  }
  proto(version: number): this {
    return this.raw(0x80, version);
  }
  mark(): this {
    return this.raw(0x28);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(value: boolean): this {
    return this.raw(value ? 0x88 : 0x89);
  }
  int(value: number): this {
    if (Number.isInteger(value) && value >= 0 && value < 256) return this.raw(0x4b, value);
    if (Number.isInteger(value) && value >= 0 && value < 65536) return this.raw(0x4d, value & 0xff, value >>> 8);
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return this.raw(0x4a, ...le(BigInt(value), 4));
    return this.long(BigInt(value));
  }
  /** LONG1 of any integer (two's complement, little-endian). */
  long(value: bigint): this {
    const bytes: number[] = [];
    let v = value;
    do {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    } while (!(v === 0n && (bytes[bytes.length - 1]! & 0x80) === 0) && !(v === -1n && (bytes[bytes.length - 1]! & 0x80) !== 0));
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  float(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, false);
    return this.raw(0x47, ...bytes);
  }
  string(value: string): this {
    const bytes = new TextEncoder().encode(value);
    return this.raw(0x58, ...le(BigInt(bytes.length), 4), ...bytes);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tupleN(n: 1 | 2 | 3): this {
    return this.raw(0x84 + n);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  setItems(): this {
    return this.raw(0x75);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  /** Stores the top of the stack in the next memo slot and returns the slot. */
  put(): number {
    const slot = this.#memo++;
    if (slot < 256) this.raw(0x71, slot);
    else this.raw(0x72, ...le(BigInt(slot), 4));
    return slot;
  }
  get(slot: number): this {
    return slot < 256 ? this.raw(0x68, slot) : this.raw(0x6a, ...le(BigInt(slot), 4));
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

function le(value: bigint, n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(8 * n, value);
  for (let i = 0; i < n; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}
