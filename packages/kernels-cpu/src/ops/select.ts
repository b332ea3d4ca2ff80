// argmax and top-k. Order: larger first, NaN above every number (as torch), the lower index first on ties.

/** Whether value a at index ia comes before value b at index ib. */
function before(a: number, ia: number, b: number, ib: number): boolean {
  if (Number.isNaN(a)) return !Number.isNaN(b) || ia < ib;
  if (Number.isNaN(b)) return false;
  return a > b || (a === b && ia < ib);
}

/** Index of the largest value of each row of x [rows, n] (the first on ties). */
export function argmaxKernel(x: Float32Array, rows: number, n: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let best = 0;
    for (let i = 1; i < n; i++) if (before(x[base + i]!, i, x[base + best]!, best)) best = i;
    out[r] = best;
  }
  return out;
}

/** The k first entries of each row of x [rows, n] in that order -> values [rows, k], indices [rows, k]. */
export function topkKernel(x: Float32Array, rows: number, n: number, k: number): { values: Float32Array; indices: Int32Array } {
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * n, (r + 1) * n);
    const chosen = k <= 128 ? insertionTopk(row, k) : sortTopk(row, k);
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = chosen[j]!;
      values[r * k + j] = row[chosen[j]!]!;
    }
  }
  return { values, indices };
}

/** Keeps the best k indices in order by inserting each candidate into a sorted list (O(n·k)). */
function insertionTopk(row: Float32Array, k: number): number[] {
  const best: number[] = [];
  if (k === 0) return best;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (best.length === k) {
      const last = best[k - 1]!;
      if (!before(v, i, row[last]!, last)) continue;
      best.pop();
    }
    let at = best.length;
    while (at > 0 && before(v, i, row[best[at - 1]!]!, best[at - 1]!)) at--;
    best.splice(at, 0, i);
  }
  return best;
}

/** Sorts every index (O(n log n)); used for large k. */
function sortTopk(row: Float32Array, k: number): number[] {
  const order = Array.from({ length: row.length }, (_, i) => i);
  order.sort((a, b) => (before(row[a]!, a, row[b]!, b) ? -1 : 1));
  return order.slice(0, k);
}
