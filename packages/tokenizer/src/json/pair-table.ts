/**
 * An open-addressing hash table from a pair of token ids to (rank, merged id): the merge table of a
 * BPE model. Integer keys in typed arrays, so a lookup costs no allocation and no string hashing.
 */
export class PairTable {
  private keysLeft: Int32Array;
  private keysRight: Int32Array;
  private ranks: Int32Array;
  private merged: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keysLeft = new Int32Array(capacity).fill(-1);
    this.keysRight = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.merged = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  private static hash(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  }

  /** Adds a pair; the first rank given for a pair is kept (as a merges list read in order does). */
  set(left: number, right: number, rank: number, mergedId: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    let slot = PairTable.hash(left, right) & this.mask;
    for (;;) {
      const k = this.keysLeft[slot]!;
      if (k === -1) {
        this.keysLeft[slot] = left;
        this.keysRight[slot] = right;
        this.ranks[slot] = rank;
        this.merged[slot] = mergedId;
        this.count++;
        return;
      }
      if (k === left && this.keysRight[slot] === right) return;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The slot of a pair, or -1. Read its rank and merged id with rankAt / mergedAt. */
  find(left: number, right: number): number {
    let slot = PairTable.hash(left, right) & this.mask;
    for (;;) {
      const k = this.keysLeft[slot]!;
      if (k === -1) return -1;
      if (k === left && this.keysRight[slot] === right) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  rankAt(slot: number): number {
    return this.ranks[slot]!;
  }

  mergedAt(slot: number): number {
    return this.merged[slot]!;
  }

  private grow(): void {
    const { keysLeft, keysRight, ranks, merged } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.keysLeft = new Int32Array(capacity).fill(-1);
    this.keysRight = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.merged = new Int32Array(capacity);
    this.count = 0;
    for (let i = 0; i < keysLeft.length; i++) {
      if (keysLeft[i] !== -1) this.set(keysLeft[i]!, keysRight[i]!, ranks[i]!, merged[i]!);
    }
  }
}
