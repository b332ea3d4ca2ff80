// An emulated native context: the whole NativeContext of src/binding.ts (the addon's native/context.cc) over "device
// memory" kept in host ArrayBuffers and ops run as plain loops, so the CUDA backend's TypeScript layer, CUDA-graph
// capture and the models' graph decode can be tested end to end without a GPU. Argument order, dtype codes, layouts,
// device-side scalars and capture semantics follow native/context.cc and native/kernels/*.cu; see src/emulated/.
import { DTYPE_CODE, type DevicePtr, type NativeAttentionShape, type NativeContext, type NativeDeviceInfo } from './binding.js';
import { countArg, dtypeArg, floatArg, floatDtypeArg, integerArg, pointerArg, requiredPointer } from './emulated/args.js';
import * as blocks from './emulated/block-kernels.js';
import * as elementwise from './emulated/elementwise-kernels.js';
import { pointerArrayArg, requireGatedMatvecLaunch, requireSegmentedMatvecLaunch } from './emulated/matvec-launch.js';
import * as model from './emulated/model-kernels.js';
import * as rows from './emulated/row-kernels.js';
import { EmulatedStream } from './emulated/stream.js';
import { MAX_ATTENTION_HEAD_DIM } from './overrides.js';

export interface EmulatedContextOptions {
  /** Bytes the emulated device holds (allocations beyond fail as cudaMallocAsync would). Default 4 GiB. */
  totalMemory?: number;
}

/** What `deviceInfo` says about the emulated device. */
export const EMULATED_DEVICE_INFO: NativeDeviceInfo = {
  name: 'emulated CUDA device (host memory, plain loops)',
  computeCapability: '9.0',
  totalMemory: 4 * 2 ** 30,
  multiProcessorCount: 1,
};


export class EmulatedCudaContext implements NativeContext {
  readonly #stream: EmulatedStream;
  readonly #timers: number[] = [];

  constructor(options: EmulatedContextOptions = {}) {
    const total = options.totalMemory ?? EMULATED_DEVICE_INFO.totalMemory;
    countArg('EmulatedCudaContext', 'options.totalMemory', total);
    this.#stream = new EmulatedStream(total);
  }

  // ------------------------------------------------------------------------------ memory and transfers
  alloc(bytes: number): DevicePtr {
    this.#stream.requireLive();
    return this.#stream.alloc(countArg('alloc', 'bytes', bytes));
  }

  free(ptr: DevicePtr): void {
    this.#stream.free(pointerArg('free', 'ptr', ptr));
  }

  zero(ptr: DevicePtr, bytes: number): void {
    this.#stream.requireLive();
    const p = requiredPointer('zero', 'ptr', ptr);
    const n = countArg('zero', 'bytes', bytes);
    this.#stream.enqueue('zero', () => {
      if (n > 0) this.#stream.memory.bytesAt('zero', 'ptr', p, n).fill(0);
    });
  }

  upload(dst: DevicePtr, data: ArrayBufferView, dstByteOffset?: number): void {
    this.#stream.requireLive();
    this.#stream.refuseWhileCapturing('upload');
    const p = requiredPointer('upload', 'dst', dst);
    if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError('upload: data must be a typed array');
    const offset = dstByteOffset === undefined ? 0 : countArg('upload', 'dstByteOffset', dstByteOffset);
    if (data.byteLength === 0) return;
    const target = this.#stream.memory.bytesAt('upload', 'dst', p + BigInt(offset), data.byteLength);
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  copy(dst: DevicePtr, src: DevicePtr, bytes: number): void {
    this.#stream.requireLive();
    const [d, s] = [requiredPointer('copy', 'dst', dst), requiredPointer('copy', 'src', src)];
    const n = countArg('copy', 'bytes', bytes);
    this.#stream.enqueue('copy', () => {
      if (n === 0) return;
      const from = this.#stream.memory.bytesAt('copy', 'src', s, n).slice();
      this.#stream.memory.bytesAt('copy', 'dst', d, n).set(from);
    });
  }

  download(src: DevicePtr, bytes: number): Promise<ArrayBuffer> {
    this.#stream.requireLive();
    this.#stream.refuseWhileCapturing('read');
    const p = requiredPointer('download', 'src', src);
    const n = countArg('download', 'bytes', bytes);
    const copy = n === 0 ? new Uint8Array(0) : this.#stream.memory.bytesAt('download', 'src', p, n).slice();
    return Promise.resolve(copy.buffer);
  }

  synchronize(): Promise<void> {
    this.#stream.requireLive();
    this.#stream.refuseWhileCapturing('synchronize');
    return Promise.resolve();
  }

  memoryInfo(): { free: number; total: number; poolReserved: number; poolUsed: number } {
    this.#stream.requireLive();
    const { totalBytes, usedBytes } = this.#stream.memory;
    return { free: totalBytes - usedBytes, total: totalBytes, poolReserved: usedBytes, poolUsed: usedBytes };
  }

  dispose(): void {
    this.#stream.dispose();
  }

  gemmInfo(): { cublasLt: boolean; library: string; reason: string; minRows: number } {
    return { cublasLt: false, library: '', reason: 'emulated CUDA device: no cuBLASLt', minRows: 64 };
  }

  // ----------------------------------------------------------------------------------------------- ops
  embedding(weightDtype: number, weight: DevicePtr, ids: DevicePtr, out: DevicePtr, count: number, vocab: number, hidden: number): void {
    const m = 'embedding';
    const a = { weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype), weight: requiredPointer(m, 'weight', weight), ids: requiredPointer(m, 'ids', ids), out: requiredPointer(m, 'out', out), count: countArg(m, 'count', count), vocab: countArg(m, 'vocab', vocab), hidden: countArg(m, 'hidden', hidden) };
    this.#stream.enqueue(m, () => elementwise.embedding(this.#stream.memory, a));
  }

  rmsNorm(x: DevicePtr, weightDtype: number, weight: DevicePtr, out: DevicePtr, rowCount: number, hidden: number, eps: number): void {
    const m = 'rmsNorm';
    const a = { x: requiredPointer(m, 'x', x), weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype), weight: requiredPointer(m, 'weight', weight), out: requiredPointer(m, 'out', out), rows: countArg(m, 'rows', rowCount), hidden: countArg(m, 'hidden', hidden), eps: floatArg(m, 'eps', eps) };
    this.#stream.enqueue(m, () => rows.rmsNorm(this.#stream.memory, a));
  }

  addRmsNorm(x: DevicePtr, y: DevicePtr, weightDtype: number, weight: DevicePtr, sum: DevicePtr, normed: DevicePtr, rowCount: number, hidden: number, eps: number): void {
    const m = 'addRmsNorm';
    const a = { a: requiredPointer(m, 'a', x), b: requiredPointer(m, 'b', y), weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype), weight: requiredPointer(m, 'weight', weight), sum: requiredPointer(m, 'sum', sum), normed: requiredPointer(m, 'normed', normed), rows: countArg(m, 'rows', rowCount), hidden: countArg(m, 'hidden', hidden), eps: floatArg(m, 'eps', eps) };
    this.#stream.enqueue(m, () => rows.addRmsNorm(this.#stream.memory, a));
  }

  linear(x: DevicePtr, weightDtype: number, weight: DevicePtr, biasDtype: number, bias: DevicePtr | null, out: DevicePtr, rowCount: number, k: number, mOut: number): void {
    const m = 'linear';
    const hasBias = integerArg(m, 'biasDtype', biasDtype) >= 0;
    const a = {
      x: requiredPointer(m, 'x', x),
      weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype),
      weight: requiredPointer(m, 'weight', weight),
      biasDtype: hasBias ? dtypeArg(m, 'biasDtype', biasDtype) : -1,
      bias: hasBias ? requiredPointer(m, 'bias', bias) : null,
      out: requiredPointer(m, 'out', out),
      rows: countArg(m, 'rows', rowCount),
      k: countArg(m, 'K', k),
      m: countArg(m, 'M', mOut),
    };
    this.#stream.enqueue(m, () => model.linear(this.#stream.memory, a));
  }

  linearSiluMul(x: DevicePtr, weightDtype: number, gate: DevicePtr, up: DevicePtr, biasDtype: number, gateBias: DevicePtr | null, upBias: DevicePtr | null, out: DevicePtr, rowCount: number, k: number, mOut: number): void {
    const m = 'linearSiluMul';
    const hasBias = integerArg(m, 'biasDtype', biasDtype) >= 0;
    const a = {
      x: requiredPointer(m, 'x', x),
      weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype),
      gate: requiredPointer(m, 'gate', gate),
      up: requiredPointer(m, 'up', up),
      biasDtype: hasBias ? dtypeArg(m, 'biasDtype', biasDtype) : -1,
      gateBias: hasBias ? pointerArg(m, 'gateBias', gateBias) : null,
      upBias: hasBias ? pointerArg(m, 'upBias', upBias) : null,
      out: requiredPointer(m, 'out', out),
      rows: countArg(m, 'rows', rowCount),
      k: countArg(m, 'K', k),
      m: countArg(m, 'M', mOut),
    };
    if (a.rows > 0 && a.m > 0) requireGatedMatvecLaunch(a);
    this.#stream.enqueue(m, () => model.linearSiluMul(this.#stream.memory, a));
  }

  linearMany(x: DevicePtr, weightDtype: number, weights: readonly DevicePtr[], biasDtype: number, biases: readonly DevicePtr[] | null, outs: readonly DevicePtr[], ms: readonly number[], rowCount: number, k: number): void {
    const m = 'linearMany';
    const w = pointerArrayArg(m, 'weights', weights);
    const hasBias = integerArg(m, 'biasDtype', biasDtype) >= 0;
    if (!Array.isArray(ms) || ms.length !== w.length) throw new RangeError(`${m}: ms must be an array of ${w.length} entries`);
    const a = {
      x: requiredPointer(m, 'x', x),
      weightDtype: floatDtypeArg(m, 'weightDtype', weightDtype),
      weights: w,
      biasDtype: hasBias ? dtypeArg(m, 'biasDtype', biasDtype) : -1,
      biases: hasBias ? pointerArrayArg(m, 'biases', biases, w.length) : null,
      outs: pointerArrayArg(m, 'outs', outs, w.length),
      ms: ms.map((count, i) => countArg(m, `ms[${i}]`, count)),
      rows: countArg(m, 'rows', rowCount),
      k: countArg(m, 'K', k),
    };
    requireSegmentedMatvecLaunch(a);
    this.#stream.enqueue(m, () => model.linearMany(this.#stream.memory, a));
  }

  blockLinear(x: DevicePtr, format: number, weight: DevicePtr, biasDtype: number, bias: DevicePtr | null, out: DevicePtr, rowCount: number, k: number, mOut: number): void {
    const m = 'blockLinear';
    const hasBias = integerArg(m, 'biasDtype', biasDtype) >= 0;
    const a = {
      x: requiredPointer(m, 'x', x),
      format: blockFormatArg(m, format),
      weight: requiredPointer(m, 'weight', weight),
      biasDtype: hasBias ? floatDtypeArg(m, 'biasDtype', biasDtype) : -1,
      bias: hasBias ? requiredPointer(m, 'bias', bias) : null,
      out: requiredPointer(m, 'out', out),
      rows: countArg(m, 'rows', rowCount),
      k: countArg(m, 'K', k),
      m: countArg(m, 'M', mOut),
    };
    if (a.rows > 0 && a.m > 0) requireWholeBlocks(m, a.format, a.k, 'K');
    this.#stream.enqueue(m, () => blocks.blockLinear(this.#stream.memory, a));
  }

  blockEmbedding(format: number, weight: DevicePtr, ids: DevicePtr, out: DevicePtr, count: number, vocab: number, hidden: number): void {
    const m = 'blockEmbedding';
    const a = { format: blockFormatArg(m, format), weight: requiredPointer(m, 'weight', weight), ids: requiredPointer(m, 'ids', ids), out: requiredPointer(m, 'out', out), count: countArg(m, 'count', count), vocab: countArg(m, 'vocab', vocab), hidden: countArg(m, 'hidden', hidden) };
    if (a.count > 0 && a.hidden > 0) requireWholeBlocks(m, a.format, a.hidden, 'hidden');
    this.#stream.enqueue(m, () => blocks.blockEmbedding(this.#stream.memory, a));
  }

  rope(x: DevicePtr, positions: DevicePtr, invFreq: DevicePtr, out: DevicePtr, tokens: number, numHeads: number, headDim: number, attentionScaling: number): void {
    const m = 'rope';
    const a = { x: requiredPointer(m, 'x', x), positions: requiredPointer(m, 'positions', positions), invFreq: requiredPointer(m, 'invFreq', invFreq), out: requiredPointer(m, 'out', out), tokens: countArg(m, 'tokens', tokens), numHeads: countArg(m, 'numHeads', numHeads), headDim: countArg(m, 'headDim', headDim), attentionScaling: floatArg(m, 'attentionScaling', attentionScaling) };
    this.#stream.enqueue(m, () => model.rope(this.#stream.memory, a));
  }

  kvWrite(cacheDtype: number, cache: DevicePtr, src: DevicePtr, batch: number, seqLen: number, numKvHeads: number, headDim: number, maxLength: number, offset: number, offsetPtr?: DevicePtr): void {
    const m = 'kvWrite';
    const a = {
      cacheDtype: floatDtypeArg(m, 'cacheDtype', cacheDtype),
      cache: requiredPointer(m, 'cache', cache),
      src: requiredPointer(m, 'src', src),
      batch: countArg(m, 'batch', batch),
      seqLen: countArg(m, 'seqLen', seqLen),
      numKvHeads: countArg(m, 'numKvHeads', numKvHeads),
      headDim: countArg(m, 'headDim', headDim),
      maxLength: countArg(m, 'maxLength', maxLength),
      offset: integerArg(m, 'offset', offset),
      offsetPtr: pointerArg(m, 'offsetPtr', offsetPtr),
    };
    this.#stream.enqueue(m, () => model.kvWrite(this.#stream.memory, a));
  }

  attention(q: DevicePtr, cacheDtype: number, k: DevicePtr, v: DevicePtr, mask: DevicePtr | null, out: DevicePtr, shape: NativeAttentionShape, kvLengthPtr?: DevicePtr): void {
    const m = 'attention';
    const a = { q: requiredPointer(m, 'q', q), cacheDtype: floatDtypeArg(m, 'cacheDtype', cacheDtype), k: requiredPointer(m, 'k', k), v: requiredPointer(m, 'v', v), mask: pointerArg(m, 'mask', mask), out: requiredPointer(m, 'out', out), shape: shapeArg(m, shape), kvLengthPtr: pointerArg(m, 'kvLengthPtr', kvLengthPtr) };
    if (a.shape.headDim > MAX_ATTENTION_HEAD_DIM) throw new Error(`CUDA attention failed: cudaErrorInvalidValue: shape.headDim ${a.shape.headDim} is above ${MAX_ATTENTION_HEAD_DIM}`);
    if (a.kvLengthPtr !== null && a.shape.seqLength >= 16) throw new Error(`CUDA attention failed: cudaErrorInvalidValue: a device kvLength needs shape.seqLength < 16 (decode), got ${a.shape.seqLength}`);
    this.#stream.enqueue(m, () => model.attention(this.#stream.memory, a));
  }

  attentionWeights(q: DevicePtr, cacheDtype: number, k: DevicePtr, mask: DevicePtr | null, out: DevicePtr, shape: NativeAttentionShape): void {
    const m = 'attentionWeights';
    const a = { q: requiredPointer(m, 'q', q), cacheDtype: floatDtypeArg(m, 'cacheDtype', cacheDtype), k: requiredPointer(m, 'k', k), mask: pointerArg(m, 'mask', mask), out: requiredPointer(m, 'out', out), shape: shapeArg(m, shape) };
    this.#stream.enqueue(m, () => model.attentionWeights(this.#stream.memory, a));
  }

  siluMul(gate: DevicePtr, up: DevicePtr, out: DevicePtr, n: number): void {
    const m = 'siluMul';
    const a = { gate: requiredPointer(m, 'gate', gate), up: requiredPointer(m, 'up', up), out: requiredPointer(m, 'out', out), n: countArg(m, 'n', n) };
    this.#stream.enqueue(m, () => elementwise.siluMul(this.#stream.memory, a));
  }

  add(x: DevicePtr, y: DevicePtr, out: DevicePtr, n: number): void {
    const m = 'add';
    const a = { a: requiredPointer(m, 'a', x), b: requiredPointer(m, 'b', y), out: requiredPointer(m, 'out', out), n: countArg(m, 'n', n) };
    this.#stream.enqueue(m, () => elementwise.add(this.#stream.memory, a));
  }

  softmax(x: DevicePtr, out: DevicePtr, rowCount: number, n: number): void {
    const m = 'softmax';
    const a = { x: requiredPointer(m, 'x', x), out: requiredPointer(m, 'out', out), rows: countArg(m, 'rows', rowCount), n: countArg(m, 'n', n) };
    this.#stream.enqueue(m, () => rows.softmax(this.#stream.memory, a));
  }

  argmax(x: DevicePtr, out: DevicePtr, rowCount: number, n: number): void {
    const m = 'argmax';
    const a = { x: requiredPointer(m, 'x', x), out: requiredPointer(m, 'out', out), rows: countArg(m, 'rows', rowCount), n: countArg(m, 'n', n) };
    if (a.rows > 0 && a.n === 0) throw new Error('CUDA argmax failed: cudaErrorInvalidValue: n must be at least 1');
    this.#stream.enqueue(m, () => rows.argmax(this.#stream.memory, a));
  }

  topk(x: DevicePtr, values: DevicePtr, indices: DevicePtr, rowCount: number, n: number, k: number): void {
    const m = 'topk';
    const a = { x: requiredPointer(m, 'x', x), values: requiredPointer(m, 'values', values), indices: requiredPointer(m, 'indices', indices), rows: countArg(m, 'rows', rowCount), n: countArg(m, 'n', n), k: countArg(m, 'k', k) };
    if (a.rows > 0 && a.k > 0 && (a.n === 0 || a.k > a.n)) throw new Error(`CUDA topk failed: cudaErrorInvalidValue: k (${a.k}) must be in [1, n = ${a.n}]`);
    this.#stream.enqueue(m, () => rows.topk(this.#stream.memory, a));
  }

  cast(fromDtype: number, x: DevicePtr, toDtype: number, out: DevicePtr, n: number): void {
    const m = 'cast';
    const a = { fromDtype: dtypeArg(m, 'fromDtype', fromDtype), x: requiredPointer(m, 'x', x), toDtype: dtypeArg(m, 'toDtype', toDtype), out: requiredPointer(m, 'out', out), n: countArg(m, 'n', n) };
    this.#stream.enqueue(m, () => elementwise.cast(this.#stream.memory, a));
  }

  // -------------------------------------------------------------------------------------- CUDA graphs
  beginCapture(): void {
    this.#stream.beginCapture();
  }

  endCapture(): number {
    return this.#stream.endCapture();
  }

  replay(graph: number): void {
    this.#stream.replay(integerArg('replay', 'graph', graph));
  }

  increment(ptr: DevicePtr, n: number): void {
    const a = { x: requiredPointer('increment', 'ptr', ptr), n: countArg('increment', 'n', n) };
    this.#stream.enqueue('increment', () => elementwise.increment(this.#stream.memory, a));
  }

  destroyGraph(graph: number): void {
    this.#stream.destroyGraph(integerArg('destroyGraph', 'graph', graph));
  }

  // ------------------------------------------------------------------------------------------- timing
  recordTimer(): number {
    this.#stream.requireLive();
    // The emulated stream runs work at once, so host time at enqueue is the time the work reached this point.
    this.#stream.refuseWhileCapturing('recordTimer (timing events)');
    this.#timers.push(performance.now());
    return this.#timers.length - 1;
  }

  timeSince(a: number, b: number): number {
    this.#stream.requireLive();
    const [from, to] = [this.#timers[a], this.#timers[b]];
    if (from === undefined || to === undefined) throw new RangeError('timeSince: unknown timer');
    return to - from;
  }
}

/** A block format code (binding.ts BLOCK_FORMAT_CODE; context.cc throws a RangeError for others). */
function blockFormatArg(method: string, value: unknown): number {
  const code = integerArg(method, 'format', value);
  if (code < 0 || code >= blocks.BLOCK_FORMATS.length) throw new RangeError(`unknown block format code ${code}`);
  return code;
}

/** launchBlockLinear / launchBlockEmbedding refuse a row that is not a whole number of blocks. */
function requireWholeBlocks(method: string, format: number, cols: number, name: string): void {
  const { elements } = blocks.blockFormat(format);
  if (cols % elements !== 0) throw new Error(`CUDA ${method} failed: cudaErrorInvalidValue: ${name} ${cols} is not a multiple of ${blocks.BLOCK_FORMATS[format]!.name}'s ${elements}-element blocks`);
}

/** The attention shape object, checked field by field (numbers as context.cc's shapeArg reads them). */
function shapeArg(method: string, shape: NativeAttentionShape): NativeAttentionShape {
  if (typeof shape !== 'object' || shape === null) throw new TypeError(`${method}: shape must be an object`);
  const count = (key: keyof NativeAttentionShape): number => countArg(method, `shape.${key}`, shape[key]);
  const s: NativeAttentionShape = {
    batch: count('batch'),
    seqLength: count('seqLength'),
    numHeads: count('numHeads'),
    numKvHeads: count('numKvHeads'),
    headDim: count('headDim'),
    maxLength: count('maxLength'),
    kvLength: count('kvLength'),
    scale: floatArg(method, 'shape.scale', shape.scale),
    maskDtype: integerArg(method, 'shape.maskDtype', shape.maskDtype),
  };
  if (s.numKvHeads === 0 || s.numHeads % s.numKvHeads !== 0) throw new RangeError(`${method}: shape.numHeads (${s.numHeads}) must be a multiple of shape.numKvHeads (${s.numKvHeads})`);
  if (s.kvLength > s.maxLength) throw new RangeError(`${method}: shape.kvLength (${s.kvLength}) must not exceed shape.maxLength (${s.maxLength})`);
  return s;
}
