// Test helper: how many positions of two float32 arrays differ in their bits (NaN payloads included).

/** Positions where two float32 arrays differ in their bits; a length difference counts each missing value. */
export function bitDifferences(x: Float32Array, y: Float32Array): number {
  const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
  let count = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (xb[i] !== yb[i]) count++;
  return count;
}
