// Arrays freed by one op, handed to the next op that needs the same size. A forward pass allocates the same shapes
// layer after layer; fresh large arrays come from the system as new zeroed pages, so every first write to them
// faults, and reusing them takes that cost (a third of a 128-token prefill here) away.

type Kind = 'float32' | 'uint16' | 'int32' | 'uint8';
type PooledArray = Float32Array | Uint16Array | Int32Array | Uint8Array;

const MAKE: Record<Kind, (length: number) => PooledArray> = {
  float32: (n) => new Float32Array(n),
  uint16: (n) => new Uint16Array(n),
  int32: (n) => new Int32Array(n),
  uint8: (n) => new Uint8Array(n),
};

export class ArrayPool {
  readonly #free = new Map<string, PooledArray[]>();
  #bytes = 0;

  /** `limitBytes`: the most bytes kept for reuse (arrays given back past it are left to the garbage collector). */
  constructor(readonly limitBytes: number) {}

  /** An array of `length` elements, reused (its contents are whatever they were) or new (zeros). */
  take(kind: Kind, length: number): PooledArray {
    const list = this.#free.get(`${kind}:${length}`);
    const array = list?.pop();
    if (array) {
      this.#bytes -= array.byteLength;
      return array;
    }
    return MAKE[kind](length);
  }

  /** Keeps `array` for a later `take` of its kind and length (whole arrays only, not views of a larger buffer). */
  give(array: PooledArray): void {
    if (array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength || this.#bytes + array.byteLength > this.limitBytes) return;
    const kind: Kind = array instanceof Float32Array ? 'float32' : array instanceof Int32Array ? 'int32' : array instanceof Uint8Array ? 'uint8' : 'uint16';
    const key = `${kind}:${array.length}`;
    let list = this.#free.get(key);
    if (!list) this.#free.set(key, (list = []));
    list.push(array);
    this.#bytes += array.byteLength;
  }

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}
