// The 256-element super-block formats Q4_K, Q5_K, Q6_K: llama.cpp's quantize_row_q{4,5,6}_K_ref (with make_qkx2_quants,
// make_qx_quants and nearest_int) and dequantize_row_q{4,5,6}_K (ggml/src/ggml-quants.c), step for step in float32:
// every operation is rounded with Math.fround, in C's evaluation order, loops in the same order.
//
// Blocks (ggml-common.h), little-endian, d and dmin float16:
//   Q4_K (144 bytes) d, dmin, scales[12], qs[128]          8 sub-blocks of 32: x = d·sc·q - dmin·m, q 4 bits
//   Q5_K (176 bytes) d, dmin, scales[12], qh[32], qs[128]  as Q4_K with a 5th bit of q in qh
//   Q6_K (210 bytes) ql[128], qh[64], int8 scales[16], d   16 sub-blocks of 16: x = d·sc·(q - 32), q 6 bits
// The 12 scale bytes of Q4_K/Q5_K hold eight 6-bit scales and eight 6-bit mins (get_scale_min_k4).
import { fround, nearestInt, readHalf, roundToHalf, writeHalf } from './formats.js';

const QK_K = 256;
const GROUP_MAX_EPS = fround(1e-15);
const F0_1 = fround(0.1);

/** get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 scale bytes at q[o ..]. */
function scaleMinK4(j: number, q: Uint8Array, o: number, out: Uint8Array): void {
  if (j < 4) {
    out[0] = q[o + j]! & 63;
    out[1] = q[o + j + 4]! & 63;
  } else {
    out[0] = (q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4);
    out[1] = (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4);
  }
}
const sm = new Uint8Array(2);

/**
 * make_qkx2_quants: levels L[lo .. lo+n) in 0..nmax and (scale, min) for x ≈ scale·L - min, searching nstep+1 scales.
 * Returns the scale; theMin[0] receives the (non-negative) min.
 */
function makeQkx2Quants(
  n: number, nmax: number, x: Float32Array, xo: number, weights: Float32Array, L: Uint8Array, lo: number, theMin: Float32Array,
  Laux: Uint8Array, rmin: number, rdelta: number, nstep: number, useMad: boolean,
): number {
  let min = x[xo]!;
  let max = x[xo]!;
  let sumW = weights[0]!;
  let sumX = fround(sumW * x[xo]!);
  for (let i = 1; i < n; i++) {
    const xi = x[xo + i]!;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i]!;
    sumW = fround(sumW + w);
    sumX = fround(sumX + fround(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    theMin[0] = -min;
    return 0;
  }
  let iscale = fround(nmax / fround(max - min));
  let scale = fround(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i]!;
    const l = nearestInt(fround(iscale * fround(xi - min)));
    const q = Math.max(0, Math.min(nmax, l));
    L[lo + i] = q;
    let diff = fround(fround(fround(scale * q) + min) - xi);
    diff = useMad ? Math.abs(diff) : fround(diff * diff);
    bestError = fround(bestError + fround(weights[i]! * diff));
  }
  if (nstep < 1) {
    theMin[0] = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = fround(fround(fround(rmin + fround(rdelta * is)) + nmax) / fround(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXl = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i]!;
      const l = Math.max(0, Math.min(nmax, nearestInt(fround(iscale * fround(xi - min)))));
      Laux[i] = l;
      const w = weights[i]!;
      const wl = fround(w * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXl = fround(sumXl + fround(wl * xi));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (D > 0) {
      let thisScale = fround(fround(fround(sumW * sumXl) - fround(sumX * sumL)) / D);
      let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXl)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fround(sumXl / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = fround(fround(fround(thisScale * Laux[i]!) + thisMin) - x[xo + i]!);
        diff = useMad ? Math.abs(diff) : fround(diff * diff);
        curError = fround(curError + fround(weights[i]! * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = Laux[i]!;
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  theMin[0] = -min;
  return scale;
}

/**
 * make_qx_quants with rmse_type 1 and no importance weights (weights x²): signed levels L[lo .. lo+n) stored as
 * l + nmax (0 .. 2·nmax-1), searching 19 scales around nmax/max. Returns the scale.
 */
function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = fround(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i]!;
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * xi))));
    L[lo + i] = l + nmax;
    const w = fround(xi * xi);
    sumlx = fround(sumlx + fround(fround(w * xi) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  let scale = suml2 !== 0 ? fround(sumlx / suml2) : 0;
  let best = fround(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fround(-fround(nmax + fround(F0_1 * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i]!;
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * xi))));
      const w = fround(xi * xi);
      sumlx = fround(sumlx + fround(fround(w * xi) * l));
      suml2 = fround(suml2 + fround(fround(w * l) * l));
    }
    if (suml2 > 0 && fround(sumlx * sumlx) > fround(best * suml2)) {
      for (let i = 0; i < n; i++) {
        const l = nearestInt(fround(iscale * x[xo + i]!));
        L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
      }
      scale = fround(sumlx / suml2);
      best = fround(scale * sumlx);
    }
  }
  return scale;
}

// Scratch shared by the quantizers (they never run concurrently: JavaScript is single-threaded per realm).
const Lbuf = new Uint8Array(QK_K);
const Laux = new Uint8Array(32);
const weights = new Float32Array(32);
const mins = new Float32Array(QK_K / 32);
const scales = new Float32Array(QK_K / 16);
const theMin = new Float32Array(1);

/**
 * The part Q4_K and Q5_K share: sub-block scales and mins by make_qkx2_quants, their 6-bit codes into y[b+4 .. b+16),
 * d and dmin into y[b], y[b+2], then the levels Lbuf requantized with the stored scales. `nmax` 15 or 31.
 */
function quantizeScalesMins(x: Float32Array, o: number, y: Uint8Array, b: number, nmax: number, rmin: number, nstep: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < QK_K / 32; j++) {
    const xo = o + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = fround(sumX2 + fround(x[xo + l]! * x[xo + l]!));
    const avX = fround(Math.sqrt(fround(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = fround(avX + Math.abs(x[xo + l]!));
    const scale = makeQkx2Quants(32, nmax, x, xo, weights, Lbuf, 32 * j, theMin, Laux, rmin, F0_1, nstep, false);
    scales[j] = scale;
    mins[j] = theMin[0]!;
    if (scale > maxScale) maxScale = scale;
    if (theMin[0]! > maxMin) maxMin = theMin[0]!;
  }
  const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
  const s = b + 4;
  for (let j = 0; j < QK_K / 32; j++) {
    const ls = Math.min(63, nearestInt(fround(invScale * scales[j]!)) & 0xff); // uint8_t ls = nearest_int(..)
    const lm = Math.min(63, nearestInt(fround(invMin * mins[j]!)) & 0xff);
    if (j < 4) {
      y[s + j] = ls;
      y[s + j + 4] = lm;
    } else {
      y[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      y[s + j - 4] = y[s + j - 4]! | ((ls >> 4) << 6);
      y[s + j] = y[s + j]! | ((lm >> 4) << 6);
    }
  }
  const dStored = fround(maxScale / 63);
  const mStored = fround(maxMin / 63);
  writeHalf(y, b, dStored);
  writeHalf(y, b + 2, mStored);
  const dh = roundToHalf(dStored);
  const mh = roundToHalf(mStored);
  for (let j = 0; j < QK_K / 32; j++) {
    scaleMinK4(j, y, s, sm);
    const d = fround(dh * sm[0]!);
    if (d === 0) continue; // C: if (!d), false for NaN
    const dm = fround(mh * sm[1]!);
    for (let ii = 0; ii < 32; ii++) {
      const l = nearestInt(fround(fround(x[o + 32 * j + ii]! + dm) / d));
      Lbuf[32 * j + ii] = Math.max(0, Math.min(nmax, l));
    }
  }
}

export function quantizeQ4_K(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK_K, b += 144) {
    y.fill(0, b, b + 144);
    quantizeScalesMins(x, o, y, b, 15, -1, 20);
    for (let j = 0, q = b + 16; j < QK_K; j += 64, q += 32) {
      for (let l = 0; l < 32; l++) y[q + l] = Lbuf[j + l]! | (Lbuf[j + l + 32]! << 4);
    }
  }
}

export function quantizeQ5_K(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK_K, b += 176) {
    y.fill(0, b, b + 176);
    quantizeScalesMins(x, o, y, b, 31, -0.5, 15);
    const qh = b + 16;
    let ql = b + 48;
    let m1 = 1;
    let m2 = 2;
    for (let n = 0; n < QK_K; n += 64) {
      for (let j = 0; j < 32; j++) {
        let l1 = Lbuf[n + j]!;
        if (l1 > 15) {
          l1 -= 16;
          y[qh + j] = y[qh + j]! | m1;
        }
        let l2 = Lbuf[n + j + 32]!;
        if (l2 > 15) {
          l2 -= 16;
          y[qh + j] = y[qh + j]! | m2;
        }
        y[ql + j] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
      ql += 32;
    }
  }
}

const L6 = new Int8Array(QK_K);

export function quantizeQ6_K(x: Float32Array, y: Uint8Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK_K, b += 210) {
    y.fill(0, b, b + 210);
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < QK_K / 16; ib++) {
      const scale = makeQxQuants(16, 32, x, o + 16 * ib, L6, 16 * ib);
      scales[ib] = scale;
      const absScale = Math.abs(scale);
      if (absScale > maxAbsScale) {
        maxAbsScale = absScale;
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) continue; // the block stays all zero (d = +0)
    const iscale = fround(-128 / maxScale);
    const dStored = fround(1 / iscale);
    writeHalf(y, b + 208, dStored);
    const dh = roundToHalf(dStored);
    const sc = b + 192;
    for (let ib = 0; ib < QK_K / 16; ib++) {
      y[sc + ib] = Math.min(127, nearestInt(fround(iscale * scales[ib]!))) & 0xff; // int8_t = MIN(127, ..)
    }
    for (let j = 0; j < QK_K / 16; j++) {
      const d = fround(dh * ((y[sc + j]! << 24) >> 24));
      if (d === 0) continue; // C: if (!d), false for NaN
      for (let ii = 0; ii < 16; ii++) {
        const l = nearestInt(fround(x[o + 16 * j + ii]! / d));
        L6[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
      }
    }
    let ql = b;
    let qh = b + 128;
    for (let j = 0; j < QK_K; j += 128) {
      for (let l = 0; l < 32; l++) {
        const a = L6[j + l]! & 0xff;
        const c = L6[j + l + 32]! & 0xff;
        const e = L6[j + l + 64]! & 0xff;
        const g = L6[j + l + 96]! & 0xff;
        y[ql + l] = (a & 0xf) | ((e & 0xf) << 4);
        y[ql + l + 32] = (c & 0xf) | ((g & 0xf) << 4);
        y[qh + l] = (a >> 4) | ((c >> 4) << 2) | ((e >> 4) << 4) | ((g >> 4) << 6);
      }
      ql += 64;
      qh += 32;
    }
  }
}

export function dequantizeQ4_K(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; b += 144) {
    const d = readHalf(x, b);
    const min = readHalf(x, b + 2);
    let q = b + 16;
    for (let j = 0, is = 0; j < QK_K; j += 64, is += 2, q += 32) {
      scaleMinK4(is, x, b + 4, sm);
      const d1 = fround(d * sm[0]!);
      const m1 = fround(min * sm[1]!);
      scaleMinK4(is + 1, x, b + 4, sm);
      const d2 = fround(d * sm[0]!);
      const m2 = fround(min * sm[1]!);
      for (let l = 0; l < 32; l++) y[o++] = fround(fround(d1 * (x[q + l]! & 0xf)) - m1);
      for (let l = 0; l < 32; l++) y[o++] = fround(fround(d2 * (x[q + l]! >> 4)) - m2);
    }
  }
}

export function dequantizeQ5_K(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; b += 176) {
    const d = readHalf(x, b);
    const min = readHalf(x, b + 2);
    const qh = b + 16;
    let ql = b + 48;
    let u1 = 1;
    let u2 = 2;
    for (let j = 0, is = 0; j < QK_K; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
      scaleMinK4(is, x, b + 4, sm);
      const d1 = fround(d * sm[0]!);
      const m1 = fround(min * sm[1]!);
      scaleMinK4(is + 1, x, b + 4, sm);
      const d2 = fround(d * sm[0]!);
      const m2 = fround(min * sm[1]!);
      for (let l = 0; l < 32; l++) y[o++] = fround(fround(d1 * ((x[ql + l]! & 0xf) + (x[qh + l]! & u1 ? 16 : 0))) - m1);
      for (let l = 0; l < 32; l++) y[o++] = fround(fround(d2 * ((x[ql + l]! >> 4) + (x[qh + l]! & u2 ? 16 : 0))) - m2);
    }
  }
}

export function dequantizeQ6_K(x: Uint8Array, y: Float32Array, k: number): void {
  for (let o = 0, b = 0; o < k; o += QK_K, b += 210) {
    const d = readHalf(x, b + 208);
    let ql = b;
    let qh = b + 128;
    let sc = b + 192;
    for (let n = 0; n < QK_K; n += 128, ql += 64, qh += 32, sc += 8) {
      const s = (i: number) => fround(d * ((x[sc + i]! << 24) >> 24));
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = x[qh + l]!;
        const q1 = ((x[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((x[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((x[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((x[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        y[o + n + l] = fround(s(is) * q1);
        y[o + n + l + 32] = fround(s(is + 2) * q2);
        y[o + n + l + 64] = fround(s(is + 4) * q3);
        y[o + n + l + 96] = fround(s(is + 6) * q4);
      }
    }
  }
}
