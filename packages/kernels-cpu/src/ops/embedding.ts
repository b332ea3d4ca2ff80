/** Gathers rows of `weight` [vocab, hidden] picked by `ids` -> float32 [ids.length * hidden]. */
export function embeddingKernel(weight: Float32Array, vocab: number, hidden: number, ids: Int32Array): Float32Array {
  const out = new Float32Array(ids.length * hidden);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (id < 0 || id >= vocab) throw new RangeError(`ids[${t}] = ${id} is outside the vocabulary [0, ${vocab})`);
    out.set(weight.subarray(id * hidden, (id + 1) * hidden), t * hidden);
  }
  return out;
}
