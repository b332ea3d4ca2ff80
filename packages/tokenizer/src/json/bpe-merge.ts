import type { PairTable } from './pair-table.js';

/**
 * The BPE merge loop shared by the tokenizer.json `BPE` model and SentencePiece's BPE: symbols in a
 * doubly linked list, candidate pairs in a binary min-heap ordered by (rank, position). The pair of
 * lowest rank merges first; equal ranks merge leftmost first. O(n log n) for a word of n symbols, so a
 * long run of one character is not quadratic.
 *
 * A heap entry is stale when its symbols changed; it is then skipped unless the pair now at that
 * position still merges into the same token (what both `tokenizers` and sentencepiece accept).
 */
export class BpeMerger {
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  private ids = new Int32Array(64);
  private heapKey = new Float64Array(64);
  private heapMerged = new Int32Array(64);
  private heapSize = 0;
  /** After merge(): the index of the first initial symbol of each output token. */
  readonly positions: number[] = [];

  constructor(private readonly table: PairTable) {}

  /** Merges `symbols` (token ids, one per initial symbol) in place of a copy; returns the final ids. */
  merge(symbols: ArrayLike<number>, length: number, frozen?: Uint8Array): number[] {
    if (length <= 1) {
      this.positions.length = length;
      if (length === 1) this.positions[0] = 0;
      return length === 1 ? [symbols[0]!] : [];
    }
    this.ensure(length);
    const { prev, next, ids } = this;
    for (let i = 0; i < length; i++) {
      ids[i] = symbols[i]!;
      prev[i] = i - 1;
      next[i] = i + 1 < length ? i + 1 : -1;
    }
    this.heapSize = 0;
    const table = this.table;
    for (let i = 0; i + 1 < length; i++) {
      if (frozen && (frozen[i] || frozen[i + 1])) continue;
      const slot = table.find(ids[i]!, ids[i + 1]!);
      if (slot >= 0) this.push(table.rankAt(slot) * 4294967296 + i, table.mergedAt(slot));
    }
    while (this.heapSize > 0) {
      const key = this.heapKey[0]!;
      const mergedId = this.heapMerged[0]!;
      this.pop();
      const pos = key % 4294967296;
      if (ids[pos] === -1) continue;
      const right = next[pos]!;
      if (right === -1) continue;
      const slot = table.find(ids[pos]!, ids[right]!);
      if (slot < 0 || table.mergedAt(slot) !== mergedId) continue;
      // Merge right into pos.
      ids[pos] = mergedId;
      ids[right] = -1;
      const after = next[right]!;
      next[pos] = after;
      if (after !== -1) prev[after] = pos;
      const before = prev[pos]!;
      if (before !== -1 && !(frozen && frozen[before])) {
        const s = table.find(ids[before]!, mergedId);
        if (s >= 0) this.push(table.rankAt(s) * 4294967296 + before, table.mergedAt(s));
      }
      if (after !== -1 && !(frozen && frozen[after])) {
        const s = table.find(mergedId, ids[after]!);
        if (s >= 0) this.push(table.rankAt(s) * 4294967296 + pos, table.mergedAt(s));
      }
    }
    const out: number[] = [];
    const positions = this.positions;
    positions.length = 0;
    for (let i = 0; i !== -1; i = next[i]!) {
      out.push(ids[i]!);
      positions.push(i);
    }
    return out;
  }

  private ensure(n: number): void {
    if (this.ids.length >= n) return;
    let cap = this.ids.length;
    while (cap < n) cap *= 2;
    this.prev = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.ids = new Int32Array(cap);
  }

  private push(key: number, merged: number): void {
    if (this.heapSize === this.heapKey.length) {
      const k = new Float64Array(this.heapKey.length * 2);
      k.set(this.heapKey);
      this.heapKey = k;
      const m = new Int32Array(this.heapMerged.length * 2);
      m.set(this.heapMerged);
      this.heapMerged = m;
    }
    const keys = this.heapKey;
    const merged_ = this.heapMerged;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      merged_[i] = merged_[parent]!;
      i = parent;
    }
    keys[i] = key;
    merged_[i] = merged;
  }

  private pop(): void {
    const keys = this.heapKey;
    const merged = this.heapMerged;
    const n = --this.heapSize;
    if (n === 0) return;
    const key = keys[n]!;
    const m = merged[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      merged[i] = merged[child]!;
      i = child;
    }
    keys[i] = key;
    merged[i] = m;
  }
}
