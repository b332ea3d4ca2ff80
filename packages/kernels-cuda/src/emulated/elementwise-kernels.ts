// Elementwise ops as native/kernels/elementwise.cu defines them, in plain loops: add, SiLU(gate)·up, cast,
// the embedding row gather and the int32 increment of a captured decode step.
import { DTYPE_CODE, type DevicePtr } from '../binding.js';
import type { DeviceMemory } from './device-memory.js';

export function add(mem: DeviceMemory, a: { a: DevicePtr; b: DevicePtr; out: DevicePtr; n: number }): void {
  if (a.n === 0) return;
  const x = mem.f32('add', 'a', a.a, a.n);
  const y = mem.f32('add', 'b', a.b, a.n);
  const out = mem.f32('add', 'out', a.out, a.n);
  for (let i = 0; i < a.n; i++) out[i] = x[i]! + y[i]!;
}

/** silu(g) * u as the kernels write it: g / (1 + expf(-g)) * u (common.cuh silu); the caller rounds to float32. */
export const siluTimes = (g: number, u: number): number => (g / (1 + Math.exp(-g))) * u;

export function siluMul(mem: DeviceMemory, a: { gate: DevicePtr; up: DevicePtr; out: DevicePtr; n: number }): void {
  if (a.n === 0) return;
  const gate = mem.f32('siluMul', 'gate', a.gate, a.n);
  const up = mem.f32('siluMul', 'up', a.up, a.n);
  const out = mem.f32('siluMul', 'out', a.out, a.n);
  for (let i = 0; i < a.n; i++) out[i] = siluTimes(gate[i]!, up[i]!);
}

/** float -> int32: toward zero, saturating, NaN -> 0 (PTX cvt.rzi.s32.f32). */
function toInt32(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v)));
}

/** Between float32, float16, bfloat16 (round to nearest even) and int32; int32 -> half goes through float32. */
export function cast(mem: DeviceMemory, a: { fromDtype: number; x: DevicePtr; toDtype: number; out: DevicePtr; n: number }): void {
  const { n } = a;
  if (n === 0) return;
  if (a.toDtype === DTYPE_CODE.int32) {
    const src = a.fromDtype === DTYPE_CODE.int32 ? mem.i32('cast', 'x', a.x, n) : mem.widened('cast', 'x', a.fromDtype, a.x, n);
    const values = Int32Array.from(src, toInt32);
    mem.i32('cast', 'out', a.out, n).set(values);
    return;
  }
  // Widened to float32 (int32 rounded to the nearest float32 first), then narrowed by the store.
  const values = Float32Array.from(mem.widened('cast', 'x', a.fromDtype, a.x, n));
  const store = mem.floatStore('cast', 'out', a.toDtype, a.out, n);
  for (let i = 0; i < n; i++) store(i, values[i]!);
}

/** Rows of weight [vocab, hidden] picked by int32 ids; an id outside [0, vocab) gives a zero row. */
export function embedding(mem: DeviceMemory, a: { weightDtype: number; weight: DevicePtr; ids: DevicePtr; out: DevicePtr; count: number; vocab: number; hidden: number }): void {
  const { count, vocab, hidden } = a;
  if (count === 0 || hidden === 0) return;
  const ids = Int32Array.from(mem.i32('embedding', 'ids', a.ids, count));
  const out = mem.f32('embedding', 'out', a.out, count * hidden);
  const bytes = a.weightDtype === DTYPE_CODE.float32 ? 4 : 2;
  for (let r = 0; r < count; r++) {
    const id = ids[r]!;
    if (id < 0 || id >= vocab) {
      out.fill(0, r * hidden, (r + 1) * hidden);
      continue;
    }
    const row = mem.widened('embedding', 'weight', a.weightDtype, a.weight + BigInt(id * hidden * bytes), hidden);
    out.set(row, r * hidden);
  }
}

/** x[i] += 1 for n int32 values (wrapping, as int arithmetic on the device). */
export function increment(mem: DeviceMemory, a: { x: DevicePtr; n: number }): void {
  if (a.n === 0) return;
  const x = mem.i32('increment', 'x', a.x, a.n);
  for (let i = 0; i < a.n; i++) x[i] = (x[i]! + 1) | 0;
}
