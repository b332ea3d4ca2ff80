// linearMany on a device: attention's q, k, v projections at model shapes against plain loops (naiveLinear's float64
// sums), and, where the segmented matvec runs, bit-equality with `linear` per weight on the same device; one CUDA
// graph replay. Part of runDeviceChecks (test/device-checks.ts); run on the emulated device by the vitest suite.
import { relativeError } from '@cria/core/testing';
import { naiveLinear } from '@cria/ops-conformance/naive';
import type { Tensor } from '@cria/core';
import { type CudaBackend, linearManyTakes } from '@cria/kernels-cuda';
import type { DeviceCheck } from './device-checks.js';
import { type Float, hostAndExact, randomFloats } from './device-data.js';

/** A linearMany shape: x [rows, k], weights [ms[i], k] of `dtype`, biases [ms[i]] of `biasDtype` (none when absent). */
export interface ManyShape {
  rows: number;
  k: number;
  ms: readonly number[];
  dtype: Float;
  biasDtype?: Float;
}

/** The shapes the device suite checks (Llama 3.2 1B and Llama 2 7B q/k/v at decode; float32 with biases; composed ones). */
export const LINEAR_MANY_SHAPES: readonly ManyShape[] = [
  { rows: 1, k: 2048, ms: [2048, 512, 512], dtype: 'bfloat16' },
  { rows: 4, k: 4096, ms: [4096, 4096, 4096], dtype: 'float16' },
  { rows: 8, k: 1000, ms: [300, 100, 100], dtype: 'float32', biasDtype: 'float32' },
  { rows: 3, k: 520, ms: [64, 8, 8, 200], dtype: 'bfloat16', biasDtype: 'float16' }, // four segments, small Ms (split 8)
  { rows: 2, k: 3001, ms: [257, 64, 64], dtype: 'float32', biasDtype: 'float32' }, // K % 4 != 0: linear per weight
  { rows: 12, k: 256, ms: [520, 130, 130], dtype: 'bfloat16' }, // prefill rows: linear per weight (GEMM)
];

function manyInputs(s: ManyShape, seed: number) {
  const x = randomFloats(s.rows * s.k, seed);
  const weights = s.ms.map((m, i) => hostAndExact(randomFloats(m * s.k, seed + 1 + i, 0.1), s.dtype));
  const biases = s.biasDtype ? s.ms.map((m, i) => hostAndExact(randomFloats(m, seed + 11 + i), s.biasDtype!)) : undefined;
  return { x, weights, biases };
}

/** The worst relative error over the outputs, each against plain loops. */
function worstAgainstLoops(s: ManyShape, inputs: ReturnType<typeof manyInputs>, x: Float32Array, got: readonly Float32Array[]): number {
  return Math.max(...got.map((g, i) => relativeError(g, naiveLinear(x, inputs.weights[i]!.exact, inputs.biases?.[i]!.exact, s.rows, s.k, s.ms[i]!))));
}

const readAll = async (backend: CudaBackend, ts: readonly Tensor[]): Promise<Float32Array[]> => Promise.all(ts.map(async (t) => (await backend.read(t)) as Float32Array));

/** linearMany at one shape: against plain loops (bound 1e-4) and, on the segmented matvec, against linear per weight (bound 0). */
export async function linearManyChecks(backend: CudaBackend, s: ManyShape, seed: number): Promise<DeviceCheck[]> {
  const inputs = manyInputs(s, seed);
  const xt = backend.upload(inputs.x, [s.rows, s.k], 'float32');
  const wts = inputs.weights.map((w, i) => backend.upload(w.host, [s.ms[i]!, s.k], s.dtype));
  const bts = inputs.biases?.map((b, i) => backend.upload(b.host, [s.ms[i]!], s.biasDtype!));
  const segmented = linearManyTakes(s.rows, s.k, s.dtype, s.ms, [xt, ...wts].map((t) => t.storage.handle as bigint));
  const outs = backend.linearMany(xt, wts, bts);
  const got = await readAll(backend, outs);
  const name = `linearMany ${segmented ? 'segmented matvec' : 'linear per weight'} x[${s.rows}, ${s.k}] W[${s.ms.join('|')}, ${s.k}] ${s.dtype}${s.biasDtype ? ` + ${s.biasDtype} biases` : ''}`;
  const checks: DeviceCheck[] = [{ name: `${name}: vs plain loops`, error: worstAgainstLoops(s, inputs, inputs.x, got), bound: 1e-4 }];
  if (segmented) {
    const each = wts.map((w, i) => backend.linear(xt, w, bts?.[i]));
    const want = await readAll(backend, each);
    checks.push({ name: `${name}: vs linear per weight on the device`, error: Math.max(...got.map((g, i) => relativeError(g, want[i]!))), bound: 0 });
    for (const t of each) t.dispose();
  }
  for (const t of [xt, ...wts, ...(bts ?? []), ...outs]) t.dispose();
  return checks;
}

/** linearManyChecks over LINEAR_MANY_SHAPES. */
export async function linearManyShapeChecks(backend: CudaBackend): Promise<DeviceCheck[]> {
  const checks: DeviceCheck[] = [];
  for (const [i, shape] of LINEAR_MANY_SHAPES.entries()) checks.push(...(await linearManyChecks(backend, shape, 200 + 20 * i)));
  return checks;
}

/** linearMany (segmented matvec, one decode row, bf16 with biases) captured into a CUDA graph once and replayed over 3 new inputs. */
export async function graphLinearManyCheck(backend: CudaBackend): Promise<DeviceCheck> {
  const s: ManyShape = { rows: 1, k: 512, ms: [512, 128, 128], dtype: 'bfloat16', biasDtype: 'bfloat16' };
  const inputs = manyInputs(s, 321);
  const xt = backend.upload(inputs.x, [1, s.k], 'float32');
  const wts = inputs.weights.map((w, i) => backend.upload(w.host, [s.ms[i]!, s.k], s.dtype));
  const bts = inputs.biases!.map((b, i) => backend.upload(b.host, [s.ms[i]!], 'bfloat16'));
  backend.beginCapture();
  const outs = backend.linearMany(xt, wts, bts);
  const graph = backend.endCapture();
  let worst = 0;
  for (let step = 0; step < 3; step++) {
    const x = randomFloats(s.k, 330 + step);
    backend.write(xt, x);
    graph.replay();
    worst = Math.max(worst, worstAgainstLoops(s, inputs, x, await readAll(backend, outs)));
  }
  graph.dispose();
  for (const t of [xt, ...wts, ...bts, ...outs]) t.dispose();
  return { name: `CUDA graph: linearMany x[1, ${s.k}] W[${s.ms.join('|')}, ${s.k}] bf16 + biases captured once, replayed 3 times over new inputs`, error: worst, bound: 1e-4 };
}
