// Row-wise ops over the last dimension as native/kernels/rows.cu defines them, in plain loops with float64 sums:
// RMSNorm, the residual add fused with it, softmax, argmax, top-k. They run when the emulated stream reaches them (at once, or at graph replay).
import type { DevicePtr } from '../binding.js';
import type { DeviceMemory } from './device-memory.js';
import { add } from './elementwise-kernels.js';

/** fmaxf: a NaN operand loses to the other one. */
const fmax = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

export function rmsNorm(mem: DeviceMemory, a: { x: DevicePtr; weightDtype: number; weight: DevicePtr; out: DevicePtr; rows: number; hidden: number; eps: number }): void {
  const { rows, hidden } = a;
  if (rows === 0 || hidden === 0) return;
  const x = mem.f32('rmsNorm', 'x', a.x, rows * hidden);
  const w = mem.widened('rmsNorm', 'weight', a.weightDtype, a.weight, hidden);
  const out = mem.f32('rmsNorm', 'out', a.out, rows * hidden);
  const result = new Float32Array(rows * hidden);
  for (let r = 0; r < rows; r++) {
    let sumSquares = 0;
    for (let j = 0; j < hidden; j++) sumSquares += x[r * hidden + j]! * x[r * hidden + j]!;
    const inv = 1 / Math.sqrt(sumSquares / hidden + a.eps);
    for (let j = 0; j < hidden; j++) result[r * hidden + j] = x[r * hidden + j]! * inv * w[j]!;
  }
  out.set(result);
}

/** rows.cu addRmsNormKernel: sum = a + b (float32, as `add`), then `rmsNorm` over those sums into normed. */
export function addRmsNorm(mem: DeviceMemory, a: { a: DevicePtr; b: DevicePtr; weightDtype: number; weight: DevicePtr; sum: DevicePtr; normed: DevicePtr; rows: number; hidden: number; eps: number }): void {
  const { rows, hidden } = a;
  if (rows === 0 || hidden === 0) return;
  // Every operand is checked here first, so a bad pointer is reported as addRmsNorm's, by its own name.
  for (const [what, p] of [['a', a.a], ['b', a.b], ['sum', a.sum], ['normed', a.normed]] as const) mem.f32('addRmsNorm', what, p, rows * hidden);
  mem.widened('addRmsNorm', 'weight', a.weightDtype, a.weight, hidden);
  add(mem, { a: a.a, b: a.b, out: a.sum, n: rows * hidden });
  rmsNorm(mem, { x: a.sum, weightDtype: a.weightDtype, weight: a.weight, out: a.normed, rows, hidden, eps: a.eps });
}

export function softmax(mem: DeviceMemory, a: { x: DevicePtr; out: DevicePtr; rows: number; n: number }): void {
  const { rows, n } = a;
  if (rows === 0 || n === 0) return;
  const x = mem.f32('softmax', 'x', a.x, rows * n);
  const out = mem.f32('softmax', 'out', a.out, rows * n);
  const result = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = fmax(max, x[r * n + j]!);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(x[r * n + j]! - max);
    for (let j = 0; j < n; j++) result[r * n + j] = Math.exp(x[r * n + j]! - max) / sum;
  }
  out.set(result);
}

/** Whether value a at index ia comes before b at ib (native rows.cu `better`): larger first, NaN above every number, the lower index first on ties. */
function before(a: number, ia: number, b: number, ib: number): boolean {
  if (Number.isNaN(a)) return !Number.isNaN(b) || ia < ib;
  if (Number.isNaN(b)) return false;
  return a > b || (a === b && ia < ib);
}

/** Indices of row r in rank order. */
function ranked(x: Float32Array, r: number, n: number): number[] {
  const order = Array.from({ length: n }, (_, j) => j);
  return order.sort((i, j) => (before(x[r * n + i]!, i, x[r * n + j]!, j) ? -1 : 1));
}

/** The index of the first value in rank order. */
export function argmax(mem: DeviceMemory, a: { x: DevicePtr; out: DevicePtr; rows: number; n: number }): void {
  const { rows, n } = a;
  if (rows === 0) return;
  const x = mem.f32('argmax', 'x', a.x, rows * n);
  const out = mem.i32('argmax', 'out', a.out, rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (before(x[r * n + j]!, j, x[r * n + best]!, best)) best = j;
    out[r] = best;
  }
}

/** The k first values of each row in rank order, and their indices (k <= n). */
export function topk(mem: DeviceMemory, a: { x: DevicePtr; values: DevicePtr; indices: DevicePtr; rows: number; n: number; k: number }): void {
  const { rows, n, k } = a;
  if (rows === 0 || k === 0) return;
  const x = mem.f32('topk', 'x', a.x, rows * n);
  const values = mem.f32('topk', 'values', a.values, rows * k);
  const indices = mem.i32('topk', 'indices', a.indices, rows * k);
  for (let r = 0; r < rows; r++) {
    const order = ranked(x, r, n);
    for (let t = 0; t < k; t++) {
      const j = order[t]!;
      values[r * k + t] = x[r * n + j]!;
      indices[r * k + t] = j;
    }
  }
}
