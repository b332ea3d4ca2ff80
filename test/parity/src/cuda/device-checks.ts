// Checks that need a CUDA device, beyond the op-conformance table: the kernel paths that only larger shapes
// reach (tensor-core GEMM, split matvec, flash and split-K attention, head sizes up to 256, half caches, model-width
// addRmsNorm rows, linearSiluMul at MLP shapes, linearMany at attention shapes: linear-many-checks.ts) and CUDA graph replay. Each compares with a plain-loop reference from @cria/ops-conformance/naive. Used by the
// vitest suites (the emulated device's and a real one's) and by bench/cuda-device.ts on the GPU machine.
import { SeededRandom, relativeError } from '@cria/core/testing';
import { type NaiveAttentionLayout, naiveAttention, naiveLinear } from '@cria/ops-conformance/naive';
import { type CudaBackend, matvecTakes } from '@cria/kernels-cuda';
import { type Half, hostAndExact, narrow, randomFloats, widen } from './device-data.js';
import { linearManyShapeChecks, graphLinearManyCheck } from './linear-many-checks.js';

export interface DeviceCheck {
  name: string;
  error: number;
  bound: number;
}

/** Plain-loop attention output (float64 sums); a query with no visible key gives zeros. */
const attentionOut = (q: Float32Array, k: Float32Array, v: Float32Array, a: NaiveAttentionLayout & { mask?: ArrayLike<number> }): Float32Array => naiveAttention({ ...a, q, k, v }).out!;

async function linearCheck(backend: CudaBackend, name: string, rows: number, k: number, m: number, dtype: 'float32' | Half, withBias: boolean, bound: number, seed: number): Promise<DeviceCheck> {
  const x = randomFloats(rows * k, seed);
  const w32 = randomFloats(m * k, seed + 1, 0.2);
  const bias = withBias ? randomFloats(m, seed + 2) : undefined;
  const wHost = dtype === 'float32' ? w32 : narrow(w32, dtype);
  const wExact = dtype === 'float32' ? w32 : widen(wHost as Uint16Array, dtype);
  const xt = backend.upload(x, [rows, k], 'float32');
  const wt = backend.upload(wHost, [m, k], dtype);
  const bt = bias ? backend.upload(bias, [m], 'float32') : undefined;
  const out = backend.linear(xt, wt, bt);
  const got = (await backend.read(out)) as Float32Array;
  for (const t of [xt, wt, bt, out]) t?.dispose();
  return { name, error: relativeError(got, naiveLinear(x, wExact, bias, rows, k, m)), bound };
}

async function attentionCheck(backend: CudaBackend, name: string, a: NaiveAttentionLayout & { cache: 'float32' | Half; maskLeading?: number[] }, seed: number): Promise<DeviceCheck> {
  const { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength } = a;
  const q = randomFloats(batch * seqLength * numHeads * headDim, seed, 2);
  const cacheSize = batch * numKvHeads * maxLength * headDim;
  const k32 = randomFloats(cacheSize, seed + 1, 2);
  const v32 = randomFloats(cacheSize, seed + 2);
  const kHost = a.cache === 'float32' ? k32 : narrow(k32, a.cache);
  const vHost = a.cache === 'float32' ? v32 : narrow(v32, a.cache);
  const kExact = a.cache === 'float32' ? k32 : widen(kHost as Uint16Array, a.cache);
  const vExact = a.cache === 'float32' ? v32 : widen(vHost as Uint16Array, a.cache);
  let mask: Int32Array | undefined;
  if (a.maskLeading) {
    mask = new Int32Array(batch * kvLength).fill(1);
    a.maskLeading.forEach((zeros, b) => mask!.fill(0, b * kvLength, b * kvLength + zeros));
  }
  const qt = backend.upload(q, [batch, seqLength, numHeads * headDim], 'float32');
  const kt = backend.upload(kHost, [batch, numKvHeads, maxLength, headDim], a.cache);
  const vt = backend.upload(vHost, [batch, numKvHeads, maxLength, headDim], a.cache);
  const mt = mask ? backend.upload(mask, [batch, kvLength], 'int32') : undefined;
  const out = backend.attention(qt, kt, vt, { numHeads, numKvHeads, headDim, kvLength, scale: a.scale, ...(mt ? { mask: mt } : {}) });
  const got = (await backend.read(out)) as Float32Array;
  for (const t of [qt, kt, vt, mt, out]) t?.dispose();
  const want = attentionOut(q, kExact, vExact, { ...a, ...(mask ? { mask } : {}) });
  return { name, error: relativeError(got, want), bound: 1e-4 };
}

/**
 * addRmsNorm over model-width rows against plain loops: sum = fround(a + b) must be bit-exact (error 0); normed is
 * sum / sqrt(mean(sum²) + eps) * weight with float64 sums, within the conformance table's elementwise bound.
 */
export async function addRmsNormChecks(backend: CudaBackend, rows: number, hidden: number, dtype: 'float32' | Half, eps: number, seed: number): Promise<DeviceCheck[]> {
  const a = randomFloats(rows * hidden, seed, 4); // the residual stream
  const b = randomFloats(rows * hidden, seed + 1); // a sublayer's output
  const w32 = randomFloats(hidden, seed + 2, 2);
  const wHost = dtype === 'float32' ? w32 : narrow(w32, dtype);
  const wExact = dtype === 'float32' ? w32 : widen(wHost as Uint16Array, dtype);
  const sumWant = new Float32Array(rows * hidden);
  const normedWant = new Float32Array(rows * hidden);
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let j = 0; j < hidden; j++) {
      const s = Math.fround(a[r * hidden + j]! + b[r * hidden + j]!);
      sumWant[r * hidden + j] = s;
      squares += s * s;
    }
    const inv = 1 / Math.sqrt(squares / hidden + eps);
    for (let j = 0; j < hidden; j++) normedWant[r * hidden + j] = sumWant[r * hidden + j]! * inv * wExact[j]!;
  }
  const at = backend.upload(a, [rows, hidden], 'float32');
  const bt = backend.upload(b, [rows, hidden], 'float32');
  const wt = backend.upload(wHost, [hidden], dtype);
  const { sum, normed } = backend.addRmsNorm(at, bt, wt, eps);
  const [sumGot, normedGot] = [(await backend.read(sum)) as Float32Array, (await backend.read(normed)) as Float32Array];
  for (const t of [at, bt, wt, sum, normed]) t.dispose();
  const name = `addRmsNorm [${rows}, ${hidden}] ${dtype} weight eps=${eps}`;
  return [
    { name: `${name}: sum`, error: relativeError(sumGot, sumWant), bound: 0 },
    { name: `${name}: normed`, error: relativeError(normedGot, normedWant), bound: 1e-6 },
  ];
}

/** A linearSiluMul shape: x [rows, k], gate and up [m, k] of `dtype`, biases of `biasDtype` (none when absent). */
export interface GatedShape {
  rows: number;
  k: number;
  m: number;
  dtype: 'float32' | Half;
  biasDtype?: 'float32' | Half;
}

/** Host data of one linearSiluMul check: what is uploaded, and the values the device sees (halves widened). */
function gatedInputs(s: GatedShape, seed: number) {
  const upload = hostAndExact;
  const x = randomFloats(s.rows * s.k, seed);
  const gate = upload(randomFloats(s.m * s.k, seed + 1, 0.1), s.dtype);
  const up = upload(randomFloats(s.m * s.k, seed + 2, 0.1), s.dtype);
  const biases = s.biasDtype ? { dtype: s.biasDtype, gate: upload(randomFloats(s.m, seed + 3), s.biasDtype), up: upload(randomFloats(s.m, seed + 4), s.biasDtype) } : undefined;
  return { x, gate, up, biases };
}

/** silu(x·gateᵀ + gateBias) * (x·upᵀ + upBias) in plain loops: naiveLinear's float64 sums, then g / (1 + e^-g) * u. */
function gatedReference(s: GatedShape, inputs: ReturnType<typeof gatedInputs>): Float32Array {
  const { x, gate, up, biases } = inputs;
  const g = naiveLinear(x, gate.exact, biases?.gate.exact, s.rows, s.k, s.m);
  const u = naiveLinear(x, up.exact, biases?.up.exact, s.rows, s.k, s.m);
  return Float32Array.from(g, (v, i) => (v / (1 + Math.exp(-v))) * u[i]!);
}

/**
 * linearSiluMul at a model's MLP shape against plain loops (bound 1e-4, the matvec linear checks' bound: float32 sums
 * over K). Where the backend runs the gated matvec (decode rows, K a whole number of 16-byte loads) it must also give
 * exactly what linear, linear, siluMul give on the same device (bound 0): the gate's sums are taken in linear's order.
 */
export async function linearSiluMulChecks(backend: CudaBackend, s: GatedShape, seed: number): Promise<DeviceCheck[]> {
  const inputs = gatedInputs(s, seed);
  const xt = backend.upload(inputs.x, [s.rows, s.k], 'float32');
  const gt = backend.upload(inputs.gate.host, [s.m, s.k], s.dtype);
  const ut = backend.upload(inputs.up.host, [s.m, s.k], s.dtype);
  const biases = inputs.biases && [backend.upload(inputs.biases.gate.host, [s.m], inputs.biases.dtype), backend.upload(inputs.biases.up.host, [s.m], inputs.biases.dtype)] as const;
  const fusedRoute = matvecTakes(s.rows, s.k, s.dtype, [xt, gt, ut].map((t) => t.storage.handle as bigint));
  const out = backend.linearSiluMul(xt, gt, ut, biases?.[0], biases?.[1]);
  const got = (await backend.read(out)) as Float32Array;
  const name = `linearSiluMul ${fusedRoute ? 'gated matvec' : 'linear, linear, siluMul'} x[${s.rows}, ${s.k}] gate/up [${s.m}, ${s.k}] ${s.dtype}${s.biasDtype ? ` + ${s.biasDtype} biases` : ''}`;
  const checks: DeviceCheck[] = [{ name: `${name}: vs plain loops`, error: relativeError(got, gatedReference(s, inputs)), bound: 1e-4 }];
  if (fusedRoute) {
    const [g, u] = [backend.linear(xt, gt, biases?.[0]), backend.linear(xt, ut, biases?.[1])];
    const composed = backend.siluMul(g, u);
    checks.push({ name: `${name}: vs linear, linear, siluMul on the device`, error: relativeError(got, (await backend.read(composed)) as Float32Array), bound: 0 });
    for (const t of [g, u, composed]) t.dispose();
  }
  for (const t of [xt, gt, ut, out, ...(biases ?? [])]) t.dispose();
  return checks;
}

/** linearSiluMul (gated matvec, one decode row) captured into a CUDA graph once and replayed over 3 new inputs. */
export async function graphLinearSiluMulCheck(backend: CudaBackend): Promise<DeviceCheck> {
  const s: GatedShape = { rows: 1, k: 512, m: 1376, dtype: 'bfloat16', biasDtype: 'bfloat16' };
  const inputs = gatedInputs(s, 41);
  const xt = backend.upload(inputs.x, [1, s.k], 'float32');
  const gt = backend.upload(inputs.gate.host, [s.m, s.k], s.dtype);
  const ut = backend.upload(inputs.up.host, [s.m, s.k], s.dtype);
  const [gb, ub] = [backend.upload(inputs.biases!.gate.host, [s.m], 'bfloat16'), backend.upload(inputs.biases!.up.host, [s.m], 'bfloat16')];
  backend.beginCapture();
  const out = backend.linearSiluMul(xt, gt, ut, gb, ub);
  const graph = backend.endCapture();
  let worst = 0;
  for (let step = 0; step < 3; step++) {
    const x = randomFloats(s.k, 50 + step);
    backend.write(xt, x);
    graph.replay();
    const got = (await backend.read(out)) as Float32Array;
    worst = Math.max(worst, relativeError(got, gatedReference(s, { ...inputs, x })));
  }
  out.dispose();
  graph.dispose();
  for (const t of [xt, gt, ut, gb, ub]) t.dispose();
  return { name: `CUDA graph: linearSiluMul x[1, ${s.k}] gate/up [${s.m}, ${s.k}] bf16 + biases captured once, replayed 3 times over new inputs`, error: worst, bound: 1e-4 };
}

/** The MLP shapes the device suite checks linearSiluMul at (Llama 3.2 1B and Llama 2 7B decode; odd shapes). */
export const LINEAR_SILU_MUL_SHAPES: readonly GatedShape[] = [
  { rows: 1, k: 2048, m: 8192, dtype: 'bfloat16' },
  { rows: 4, k: 4096, m: 11008, dtype: 'float16' },
  { rows: 8, k: 1000, m: 257, dtype: 'float32', biasDtype: 'float32' },
  { rows: 3, k: 3001, m: 257, dtype: 'float32', biasDtype: 'float32' }, // K % 4 != 0: composed
  { rows: 12, k: 256, m: 520, dtype: 'bfloat16', biasDtype: 'float16' }, // prefill rows: composed (GEMM)
];

/** linearSiluMulChecks over LINEAR_SILU_MUL_SHAPES. */
export async function linearSiluMulShapeChecks(backend: CudaBackend): Promise<DeviceCheck[]> {
  const checks: DeviceCheck[] = [];
  for (const [i, shape] of LINEAR_SILU_MUL_SHAPES.entries()) checks.push(...(await linearSiluMulChecks(backend, shape, 60 + 10 * i)));
  return checks;
}

export async function graphCheck(backend: CudaBackend): Promise<DeviceCheck> {
  const n = 4096;
  const a = backend.upload(randomFloats(n, 1), [n], 'float32');
  const b = backend.upload(randomFloats(n, 2), [n], 'float32');
  backend.beginCapture();
  const sum = backend.add(a, b);
  const doubled = backend.add(sum, sum);
  const graph = backend.endCapture();
  let worst = 0;
  for (let step = 0; step < 3; step++) {
    const fresh = randomFloats(n, 10 + step);
    backend.write(a, fresh);
    graph.replay();
    const got = (await backend.read(doubled)) as Float32Array;
    const bHost = randomFloats(n, 2);
    const want = Float32Array.from(fresh, (x, i) => 2 * (x + bHost[i]!));
    worst = Math.max(worst, relativeError(got, want));
  }
  sum.dispose();
  doubled.dispose();
  graph.dispose();
  a.dispose();
  b.dispose();
  return { name: 'CUDA graph: add, add captured once, replayed 3 times over new inputs', error: worst, bound: 1e-6 };
}

export interface GraphDecodeShape {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  maxLength: number;
  prompt: number;
  /** Slots between the replayed positions (1: consecutive tokens). */
  stride: number;
}

// One decode step captured once (kvWriteAt + attentionAt read the position on the device) and replayed at six
// positions, each compared with plain-loop attention over a host mirror of the cache. With a long cache the
// attention is split over 64-key chunks of the whole bound (the position is unknown at capture): the chunks past
// the real length must drop out of the merge.
export async function graphDecodeCheck(backend: CudaBackend, shape: GraphDecodeShape = { numHeads: 4, numKvHeads: 2, headDim: 16, maxLength: 32, prompt: 5, stride: 1 }): Promise<DeviceCheck> {
  const { numHeads, numKvHeads, headDim, maxLength, prompt, stride } = shape;
  const kvWidth = numKvHeads * headDim;
  const kHost = new Float32Array(numKvHeads * maxLength * headDim);
  const vHost = new Float32Array(numKvHeads * maxLength * headDim);
  const mirror = (cache: Float32Array, src: Float32Array, offset: number, seq: number) => {
    for (let s = 0; s < seq; s++) for (let h = 0; h < numKvHeads; h++) for (let d = 0; d < headDim; d++) cache[(h * maxLength + offset + s) * headDim + d] = src[s * kvWidth + h * headDim + d]!;
  };
  const kCache = backend.zeros([1, numKvHeads, maxLength, headDim], 'float32');
  const vCache = backend.zeros([1, numKvHeads, maxLength, headDim], 'float32');
  const kPrompt = randomFloats(prompt * kvWidth, 40);
  const vPrompt = randomFloats(prompt * kvWidth, 41);
  for (const [cache, src, host] of [[kCache, kPrompt, kHost], [vCache, vPrompt, vHost]] as const) {
    const t = backend.upload(src, [1, prompt, kvWidth], 'float32');
    backend.kvWrite(cache, t, 0);
    t.dispose();
    mirror(host, src, 0, prompt);
  }
  const q = backend.zeros([1, 1, numHeads * headDim], 'float32');
  const k = backend.zeros([1, 1, kvWidth], 'float32');
  const v = backend.zeros([1, 1, kvWidth], 'float32');
  const offset = backend.zeros([1], 'int32');
  const kvLength = backend.zeros([1], 'int32');
  const scale = 1 / Math.sqrt(headDim);
  backend.beginCapture();
  backend.kvWriteAt(kCache, k, offset);
  backend.kvWriteAt(vCache, v, offset);
  const out = backend.attentionAt(q, kCache, vCache, { numHeads, numKvHeads, headDim, scale, kvLength });
  const graph = backend.endCapture();
  let worst = 0;
  for (let step = 0; step < 6; step++) {
    const pos = prompt + step * stride;
    const [qs, ks, vs] = [randomFloats(numHeads * headDim, 50 + step, 2), randomFloats(kvWidth, 60 + step, 2), randomFloats(kvWidth, 70 + step)];
    backend.write(q, qs);
    backend.write(k, ks);
    backend.write(v, vs);
    backend.write(offset, Int32Array.of(pos));
    backend.write(kvLength, Int32Array.of(pos + 1));
    graph.replay();
    const got = (await backend.read(out)) as Float32Array;
    mirror(kHost, ks, pos, 1);
    mirror(vHost, vs, pos, 1);
    const want = attentionOut(qs, kHost, vHost, { batch: 1, seqLength: 1, numHeads, numKvHeads, headDim, maxLength, kvLength: pos + 1, scale });
    worst = Math.max(worst, relativeError(got, want));
  }
  graph.dispose();
  for (const t of [kCache, vCache, q, k, v, offset, kvLength, out]) t.dispose();
  const where = `heads ${numHeads}/${numKvHeads} hd=${headDim} maxLength ${maxLength}, positions ${prompt}..${prompt + 5 * stride}`;
  return { name: `CUDA graph: decode step (kvWriteAt, attentionAt) captured once, replayed at 6 positions (${where})`, error: worst, bound: 1e-4 };
}

// argmax / topk over a row large enough for every thread of the block, with NaNs and ties: the order must be the
// cpu backend's (larger first, NaN above every number, the lower index first on ties). Error: mismatched entries.
export async function rankCheck(backend: CudaBackend): Promise<DeviceCheck> {
  const n = 5000;
  const k = 40;
  const x = new Float32Array(n);
  const random = new SeededRandom(31);
  for (let i = 0; i < n; i++) x[i] = Math.round(random.floats(1, 8)[0]!); // many ties
  for (const i of [4321, 17, 2048]) x[i] = NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => {
    const [a, b] = [x[i]!, x[j]!];
    if (Number.isNaN(a) !== Number.isNaN(b)) return Number.isNaN(a) ? -1 : 1;
    return (Number.isNaN(a) ? 0 : b - a) || i - j;
  });
  const xt = backend.upload(x, [1, n], 'float32');
  const best = backend.argmax(xt);
  const top = backend.topk(xt, k);
  const [gotBest, gotIndices] = [(await backend.read(best)) as Int32Array, (await backend.read(top.indices)) as Int32Array];
  for (const t of [xt, best, top.values, top.indices]) t.dispose();
  let wrong = gotBest[0] === order[0] ? 0 : 1;
  for (let t = 0; t < k; t++) if (gotIndices[t] !== order[t]) wrong++;
  return { name: `argmax / topk(${k}) over ${n} values with NaNs and ties: the cpu backend's order`, error: wrong, bound: 0 };
}

export async function runDeviceChecks(backend: CudaBackend): Promise<DeviceCheck[]> {
  const scale = (hd: number): number => 1 / Math.sqrt(hd);
  const gemm = backend.context.gemmInfo();
  const large = gemm.cublasLt ? 'cuBLASLt' : 'WMMA';
  return [
    await linearCheck(backend, `linear ${large} bf16 x[70,256] W[200,256] +bias`, 70, 256, 200, 'bfloat16', true, 1e-5, 11),
    await linearCheck(backend, `linear ${large} f16 x[130,128] W[130,128]`, 130, 128, 130, 'float16', false, 1e-5, 12),
    await linearCheck(backend, `linear ${large} bf16 x[300,1024] W[520,1024]`, 300, 1024, 520, 'bfloat16', false, 1e-5, 18),
    await linearCheck(backend, 'linear WMMA bf16 x[40,256] W[136,256] +bias', 40, 256, 136, 'bfloat16', true, 1e-5, 19),
    await linearCheck(backend, 'linear WMMA f16 x[63,64] W[33,64]', 63, 64, 33, 'float16', false, 1e-5, 20),
    await linearCheck(backend, 'linear matvec split-K bf16 x[1,4096] W[64,4096]', 1, 4096, 64, 'bfloat16', false, 1e-4, 13),
    await linearCheck(backend, 'linear matvec 5 rows f16 x[5,512] W[300,512] +bias', 5, 512, 300, 'float16', true, 1e-4, 14),
    await linearCheck(backend, 'linear matvec f32 x[2,1024] W[2048,1024]', 2, 1024, 2048, 'float32', false, 1e-4, 15),
    await linearCheck(backend, 'linear SIMT f32 x[33,100] W[70,100] +bias', 33, 100, 70, 'float32', true, 1e-4, 16),
    await linearCheck(backend, 'linear SIMT bf16 K%8!=0 x[20,36] W[50,36]', 20, 36, 50, 'bfloat16', false, 1e-4, 17),
    await attentionCheck(backend, 'attention flash GQA 8/2 hd=64 S=40 past 10 int32 mask', { batch: 2, seqLength: 40, numHeads: 8, numKvHeads: 2, headDim: 64, maxLength: 64, kvLength: 50, scale: scale(64), cache: 'float32', maskLeading: [0, 7] }, 21),
    await attentionCheck(backend, 'attention flash hd=128 f16 cache S=33', { batch: 1, seqLength: 33, numHeads: 4, numKvHeads: 4, headDim: 128, maxLength: 40, kvLength: 33, scale: scale(128), cache: 'float16' }, 22),
    await attentionCheck(backend, 'attention flash hd=256 bf16 cache S=20', { batch: 1, seqLength: 20, numHeads: 2, numKvHeads: 1, headDim: 256, maxLength: 24, kvLength: 24, scale: scale(256), cache: 'bfloat16' }, 23),
    await attentionCheck(backend, 'attention split-K decode GQA 32/8 hd=64 kv=1500', { batch: 1, seqLength: 1, numHeads: 32, numKvHeads: 8, headDim: 64, maxLength: 2048, kvLength: 1500, scale: scale(64), cache: 'float32' }, 24),
    await attentionCheck(backend, 'attention split-K S=3 hd=256 bf16 kv=300 padded', { batch: 2, seqLength: 3, numHeads: 4, numKvHeads: 2, headDim: 256, maxLength: 320, kvLength: 300, scale: scale(256), cache: 'bfloat16', maskLeading: [0, 40] }, 25),
    await attentionCheck(backend, 'attention hd=96 (T=4 with idle lanes) S=17', { batch: 1, seqLength: 17, numHeads: 3, numKvHeads: 1, headDim: 96, maxLength: 17, kvLength: 17, scale: scale(96), cache: 'float32' }, 26),
    ...(await addRmsNormChecks(backend, 7, 4096, 'bfloat16', 1e-5, 27)),
    ...(await addRmsNormChecks(backend, 3, 2048, 'float16', 1e-6, 28)),
    ...(await addRmsNormChecks(backend, 2, 3001, 'float32', 1e-5, 29)),
    ...(await linearSiluMulShapeChecks(backend)),
    await rankCheck(backend),
    await graphCheck(backend),
    await graphLinearSiluMulCheck(backend),
    ...(await linearManyShapeChecks(backend)),
    await graphLinearManyCheck(backend),
    await graphDecodeCheck(backend),
    await graphDecodeCheck(backend, { numHeads: 32, numKvHeads: 8, headDim: 64, maxLength: 640, prompt: 300, stride: 60 }),
  ];
}
