// Medians and ratios of samples.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Three significant digits (ratios, speeds). */
export function round3(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(3)) : x;
}

/** How many leading ids two sequences share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
