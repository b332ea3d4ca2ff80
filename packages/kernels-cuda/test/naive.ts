// Plain-loop references (float64 accumulation), written from the Backend contract, independent of the kernels.

/** x [rows, K] · w [M, K]^T (+ bias). */
export function naiveLinear(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, rows: number, k: number, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += x[r * k + i]! * w[j * k + i]!;
      out[r * m + j] = s + (bias ? bias[j]! : 0);
    }
  }
  return out;
}

export interface NaiveAttention {
  batch: number;
  seq: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  maxLength: number;
  kvLength: number;
  scale: number;
  /** [batch, kvLength]; 0 masks a slot. */
  mask?: ArrayLike<number>;
}

/** Causal GQA attention over caches [B, numKvHeads, maxLength, headDim]; a query with no visible key gives zeros. */
export function naiveAttention(q: Float32Array, k: Float32Array, v: Float32Array, a: NaiveAttention): Float32Array {
  const { batch, seq, numHeads, numKvHeads, headDim: hd, maxLength, kvLength, scale, mask } = a;
  const out = new Float32Array(batch * seq * numHeads * hd);
  const group = numHeads / numKvHeads;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const qpos = kvLength - seq + s;
      for (let h = 0; h < numHeads; h++) {
        const kvh = Math.floor(h / group);
        const qOff = ((b * seq + s) * numHeads + h) * hd;
        const scores: number[] = [];
        const keys: number[] = [];
        for (let j = 0; j <= qpos; j++) {
          if (mask && mask[b * kvLength + j] === 0) continue;
          const kOff = ((b * numKvHeads + kvh) * maxLength + j) * hd;
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += q[qOff + d]! * k[kOff + d]!;
          scores.push(dot * scale);
          keys.push(j);
        }
        if (keys.length === 0) continue;
        const mx = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - mx));
        const sum = e.reduce((x, y) => x + y, 0);
        for (let d = 0; d < hd; d++) {
          let acc = 0;
          for (let t = 0; t < keys.length; t++) acc += e[t]! * v[((b * numKvHeads + kvh) * maxLength + keys[t]!) * hd + d]!;
          out[qOff + d] = acc / sum;
        }
      }
    }
  }
  return out;
}

/** A deterministic generator of uniform floats in [-amplitude, amplitude). */
export function randomFloats(n: number, seed: number, amplitude = 1): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state / 4294967296 * 2 - 1) * amplitude;
  }
  return out;
}
