// The WebAssembly build of the kernels (dist-wasm/*.wasm, built by scripts/build-wasm.mjs) as a KernelRunner.
// One WebAssembly.Memory (up to 4 GiB) holds everything the kernels touch: the caller's stack (the module's own, at
// the bottom), a control block, a scratch area for argument structs, the workers' stacks and the arrays of `alloc`.
// Threads: a persistent pool of workers (node:worker_threads, or Worker where the page is crossOriginIsolated), each
// an instance of the module over the shared memory with its own stack; the caller runs share 0 and waits for the
// others on the control block. Without SharedArrayBuffer it runs on one thread over a plain memory (the single build).
import { ArgumentError, BackendUnavailableError, CriaError, DisposedError } from '@cria/core';
import type { KernelRunner, WeightArray, WType } from './kernel-runner.js';
import { WASM_MEMORY_LIMIT, WasmHeap } from './wasm-heap.js';
import { isNodeProcess, loadModule, sharedMemoryAvailable, type WasmModuleOptions } from './wasm-load.js';
import { CONTROL, CONTROL_BYTES, KERNEL_EXPORTS, browserWorkerFactory, nodeWorkerFactory, type PoolWorker } from './wasm-worker.js';

export { probeWasm, type WasmModuleOptions, type WasmSource } from './wasm-load.js';

export interface WasmRunnerOptions extends WasmModuleOptions {
  /** Threads a kernel runs on, the caller's included (1 where shared memory is unavailable). */
  threads: number;
  /** Ops with less work than this (multiply-adds) run on the caller alone; default 131072, as the addon. */
  parallelThreshold?: number;
  /**
   * Bytes of memory to start with (default 2 MiB; it grows as `alloc` needs). A plain memory's growth detaches the
   * arrays handed out before it (where the engine lacks Memory.toResizableBuffer): give it the bytes it will need.
   */
  initialMemory?: number;
}

export interface WasmRunner extends KernelRunner {
  readonly kind: 'wasm';
  readonly memory: WebAssembly.Memory;
  /** Whether the memory is shared (threads possible). */
  readonly shared: boolean;
  /** Why the runner has one thread though more were asked for, else null. */
  readonly singleThreadReason: string | null;
  /** Bytes of the memory handed out by `alloc` (and the workers' stacks). */
  readonly bytesInUse: number;
  /** Settles once every worker has exited after dispose(). */
  readonly stopped: Promise<void>;
}

type Kernel = (args: number, ith: number, nth: number) => void;
type Array32 = Float32Array | Uint16Array | Int32Array | Uint8Array;
type Method = keyof KernelRunner;

/** The runner's kernel methods, in the order of KERNEL_EXPORTS (the control block's kernel numbers). */
const KERNEL_METHODS = ['linear', 'linearMany', 'gated', 'norm', 'rope', 'attention', 'elementwise', 'softmax', 'embedding', 'kvWrite'] as const;
type KernelMethod = (typeof KERNEL_METHODS)[number];
const SCRATCH_BYTES = 4096;
const WORKER_STACK_BYTES = 256 * 1024;
const WORKER_SPIN = 50_000;
const CALLER_SPIN = 20_000;
const LINEAR_ARGS_BYTES = 32;
/** The module's initial memory (scripts/build-wasm.mjs links it with --initial-memory=2097152). */
const INITIAL_PAGES = 32;

export async function createWasmRunner(options: WasmRunnerOptions): Promise<WasmRunner> {
  const asked = options.threads;
  if (!Number.isInteger(asked) || asked < 1 || asked > 1024) throw new ArgumentError(`threads must be an integer in [1, 1024], got ${asked}`);
  const isNode = isNodeProcess();
  let singleThreadReason: string | null = null;
  let shared = options.shared ?? true;
  if (options.shared === false) singleThreadReason = 'shared: false was asked for: one thread over a plain memory';
  else if (!sharedMemoryAvailable()) {
    shared = false;
    singleThreadReason = 'no SharedArrayBuffer (the page is not crossOriginIsolated): the WebAssembly kernels run on one thread';
  }
  const threads = shared ? asked : 1;
  if (asked === 1) singleThreadReason = null;
  const module = await loadModule(shared ? options.wasm : options.wasmSingle, shared ? 'cria_cpu.wasm' : 'cria_cpu_single.wasm');
  const initialMemory = options.initialMemory ?? 0;
  if (!Number.isSafeInteger(initialMemory) || initialMemory < 0 || initialMemory > WASM_MEMORY_LIMIT) {
    throw new ArgumentError(`initialMemory must be an integer number of bytes in [0, 4 GiB], got ${initialMemory}`);
  }
  const runner = new Runner(module, shared, threads, singleThreadReason, options.parallelThreshold ?? 131072, initialMemory);
  await runner.start(isNode);
  return runner;
}

class Runner implements WasmRunner {
  readonly kind = 'wasm' as const;
  readonly isa = 'wasm-simd128';
  readonly memory: WebAssembly.Memory;
  private heap!: WasmHeap;
  /** The heap's end once started: everything below it is the runner's own. */
  private reservedEnd = 0;
  private readonly buffers = new Set<ArrayBufferLike>();
  private kernels = {} as Record<KernelMethod, Kernel>;
  private i32!: Int32Array;
  private f32!: Float32Array;
  private ctrl!: Int32Array;
  private control = 0;
  private scratch = 0;
  private workers: PoolWorker[] = [];
  private exits: Promise<unknown>[] = [];
  private workerFailure = '';
  private canBlock = false;
  private disposed = false;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly shared: boolean,
    readonly threads: number,
    readonly singleThreadReason: string | null,
    private readonly parallelThreshold: number,
    initialMemory: number,
  ) {
    const initial = Math.max(INITIAL_PAGES, Math.ceil(initialMemory / 65536));
    this.memory = new WebAssembly.Memory({ initial, maximum: WASM_MEMORY_LIMIT / 65536, shared } as WebAssembly.MemoryDescriptor);
    // A resizable buffer grows in place, so a plain memory's arrays survive growth (where the engine offers it).
    const resizable = (this.memory as { toResizableBuffer?: () => ArrayBuffer }).toResizableBuffer;
    if (!shared && typeof resizable === 'function') resizable.call(this.memory);
    this.refreshViews();
  }

  get bytesInUse(): number {
    return this.heap.bytesInUse;
  }

  /** 4 GiB less the module's stack and data, the control block, the scratch area and the workers' stacks. */
  get memoryLimit(): number {
    return WASM_MEMORY_LIMIT - this.reservedEnd;
  }

  get stopped(): Promise<void> {
    return Promise.all(this.exits).then(() => undefined);
  }

  async start(isNode: boolean): Promise<void> {
    const instance = await WebAssembly.instantiate(this.module, { env: { memory: this.memory } });
    const exports = instance.exports as Record<string, unknown>;
    KERNEL_EXPORTS.forEach((name, i) => {
      const fn = exports[name];
      if (typeof fn !== 'function') throw new BackendUnavailableError('cpu', [{ name: 'wasm', reason: `the WebAssembly module lacks the export ${name}` }]);
      this.kernels[KERNEL_METHODS[i]!] = fn as Kernel;
    });
    // Everything below __heap_base is the module's (the caller's stack, then its data): the heap starts above it.
    this.heap = new WasmHeap(this.memory, Number((exports.__heap_base as WebAssembly.Global).value), () => this.refreshViews());
    this.control = this.heap.allocate(CONTROL_BYTES);
    this.scratch = this.heap.allocate(SCRATCH_BYTES);
    this.refreshViews();
    if (this.shared) {
      try {
        Atomics.wait(this.ctrl, CONTROL.stop, 1, 0);
        this.canBlock = true;
      } catch {
        this.canBlock = false; // a browser's main thread: spin instead
      }
    }
    if (this.threads > 1) await this.startWorkers(isNode);
    this.reservedEnd = this.heap.end;
  }

  private async startWorkers(isNode: boolean): Promise<void> {
    const make = isNode ? await nodeWorkerFactory() : browserWorkerFactory();
    const ready: Promise<void>[] = [];
    try {
      for (let ith = 1; ith < this.threads; ith++) {
        const stack = this.heap.allocate(WORKER_STACK_BYTES);
        const worker = make();
        this.workers.push(worker);
        ready.push(
          new Promise<void>((resolve, reject) => {
            worker.listen(
              (message) => {
                if (message.type === 'ready') resolve();
                else if (message.type === 'error') reject(new CriaError(`a WebAssembly kernel worker did not start: ${message.message}`));
                else if (message.type === 'failed') this.workerFailure = message.message ?? '';
              },
              (error) => reject(new CriaError(`a WebAssembly kernel worker failed: ${String(error)}`, { cause: error })),
            );
          }),
        );
        worker.post({
          module: this.module, memory: this.memory, control: this.control, stackTop: stack + WORKER_STACK_BYTES, ith,
          generation: Atomics.load(this.ctrl, CONTROL.generation), spin: WORKER_SPIN,
        });
      }
      await Promise.all(ready);
      // Only now (a listener added later would ref it again): a runner never disposed must not keep Node alive.
      for (const worker of this.workers) worker.unref();
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  alloc(kind: 'float32', length: number): Float32Array;
  alloc(kind: 'uint16', length: number): Uint16Array;
  alloc(kind: 'int32', length: number): Int32Array;
  alloc(kind: 'uint8', length: number): Uint8Array;
  alloc(kind: 'float32' | 'uint16' | 'int32' | 'uint8', length: number): Array32 {
    this.live('alloc');
    if (!Number.isSafeInteger(length) || length < 0) throw new ArgumentError(`alloc: length must be a non-negative integer, got ${length}`);
    const Type = kind === 'float32' ? Float32Array : kind === 'uint16' ? Uint16Array : kind === 'int32' ? Int32Array : kind === 'uint8' ? Uint8Array : undefined;
    if (!Type) throw new ArgumentError(`alloc: kind must be 'float32', 'uint16', 'int32' or 'uint8', got '${String(kind)}'`);
    const start = this.heap.allocate(length * Type.BYTES_PER_ELEMENT);
    // V8 may hand a shared memory's growth to this thread twice (at the grow, then again when it services the
    // growth interrupt), each time as a new SharedArrayBuffer over the same memory: take in any buffer not yet seen.
    const buffer = this.memory.buffer;
    if (!this.buffers.has(buffer)) this.refreshViews();
    this.buffers.add(buffer);
    return new Type(buffer, start, length);
  }

  free(array: Float32Array | Uint16Array | Int32Array | Uint8Array): void {
    if (this.disposed) return;
    if (!this.buffers.has(array.buffer)) throw new ArgumentError("free: the array is not in this runner's WebAssembly memory");
    this.heap.release(array.byteOffset);
  }

  linear(x: Float32Array, rows: number, K: number, wtype: WType, weight: WeightArray, bias: Float32Array | null, out: Float32Array, M: number): void {
    const xp = this.prepare('linear', x, 'x', rows, K);
    this.writeLinear('linear', this.scratch, xp, rows, K, wtype, weight, bias, out, M);
    this.run('linear', this.scratch, rows * K * M);
  }

  linearMany(x: Float32Array, rows: number, K: number, wtype: WType, each: readonly (readonly [WeightArray, Float32Array | null, Float32Array, number])[]): void {
    const xp = this.prepare('linearMany', x, 'x', rows, K);
    const bytes = 64 + each.length * LINEAR_ARGS_BYTES;
    const at = bytes <= SCRATCH_BYTES ? this.scratch : this.heap.allocate(bytes);
    try {
      let work = 0;
      each.forEach(([weight, bias, out, M], i) => {
        this.writeLinear('linearMany', at + 64 + i * LINEAR_ARGS_BYTES, xp, rows, K, wtype, weight, bias, out, M, `each[${i}].`);
        work += rows * K * M;
      });
      this.i32[at >>> 2] = at + 64;
      this.i32[(at >>> 2) + 1] = each.length;
      this.run('linearMany', at, work);
    } finally {
      if (at !== this.scratch) this.heap.release(at);
    }
  }

  gated(x: Float32Array, rows: number, K: number, wtype: WType, gate: WeightArray, up: WeightArray, gateBias: Float32Array | null, upBias: Float32Array | null, out: Float32Array, M: number): void {
    const m = 'gated';
    const xp = this.prepare(m, x, 'x', rows, K);
    const wb = weightBytes(m, wtype, this.int(m, 'M', M), K);
    this.write(this.scratch, [
      xp, this.ptr(m, 'gate', gate, wb), this.ptr(m, 'up', up, wb), this.ptr(m, 'gateBias', gateBias, M * 4, true),
      this.ptr(m, 'upBias', upBias, M * 4, true), this.ptr(m, 'out', out, rows * M * 4), rows, K, M, wtype,
    ]);
    this.run('gated', this.scratch, 2 * rows * K * M);
  }

  norm(a: Float32Array, b: Float32Array | null, weight: WeightArray, wtype: WType, sum: Float32Array | null, out: Float32Array, rows: number, H: number, eps: number): void {
    const m = 'norm';
    const bytes = this.int(m, 'rows', rows) * this.int(m, 'H', H) * 4;
    this.write(this.scratch, [
      this.ptr(m, 'a', a, bytes), this.ptr(m, 'b', b, bytes, true), this.ptr(m, 'weight', weight, weightBytes(m, wtype, 1, H, false)),
      this.ptr(m, 'sum', sum, bytes, b === null), this.ptr(m, 'out', out, bytes), rows, H, wtype,
    ], [eps]);
    this.run('norm', this.scratch, 8 * rows * H);
  }

  rope(x: Float32Array, cos: Float32Array, sin: Float32Array, out: Float32Array, tokens: number, heads: number, headDim: number): void {
    const m = 'rope';
    const bytes = this.int(m, 'tokens', tokens) * this.int(m, 'heads', heads) * this.int(m, 'headDim', headDim) * 4;
    const table = tokens * Math.floor(headDim / 2) * 4;
    this.write(this.scratch, [
      this.ptr(m, 'x', x, bytes), this.ptr(m, 'cos', cos, table), this.ptr(m, 'sin', sin, table), this.ptr(m, 'out', out, bytes), tokens, heads, headDim,
    ]);
    this.run('rope', this.scratch, 4 * tokens * heads * headDim);
  }

  attention(
    q: Float32Array, k: Float32Array, v: Float32Array | null, mask: Float32Array | null, out: Float32Array | null, probs: Float32Array | null,
    B: number, S: number, heads: number, kvHeads: number, D: number, maxLength: number, kvLength: number, maskStride: number, scale: number,
  ): void {
    const m = 'attention';
    const sizes = { B, S, heads, kvHeads, D, maxLength, kvLength, maskStride };
    for (const [name, value] of Object.entries(sizes)) this.int(m, name, value);
    if (kvHeads === 0 || heads % kvHeads !== 0) throw new ArgumentError(`attention: heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
    if (kvLength > maxLength || S > kvLength) throw new ArgumentError(`attention: needs S (${S}) <= kvLength (${kvLength}) <= maxLength (${maxLength})`);
    if (mask && maskStride < kvLength) throw new ArgumentError(`attention: maskStride (${maskStride}) is shorter than kvLength (${kvLength})`);
    if (!probs && (!v || !out)) throw new ArgumentError('attention: needs v and out, or probs');
    const qBytes = B * S * heads * D * 4, cacheBytes = B * kvHeads * maxLength * D * 4;
    this.write(this.scratch, [
      this.ptr(m, 'q', q, qBytes), this.ptr(m, 'k', k, cacheBytes), this.ptr(m, 'v', v, cacheBytes, true), this.ptr(m, 'mask', mask, B * maskStride * 4, true),
      this.ptr(m, 'out', out, qBytes, true), this.ptr(m, 'probs', probs, B * heads * S * kvLength * 4, true), B, S, heads, kvHeads, D, maxLength, kvLength, maskStride,
    ], [scale]);
    this.run('attention', this.scratch, 2 * B * heads * S * kvLength * D);
  }

  elementwise(a: Float32Array, b: Float32Array, out: Float32Array, n: number, op: 0 | 1): void {
    const m = 'elementwise';
    if (!Number.isSafeInteger(n) || n < 0) throw new ArgumentError(`elementwise: n must be a non-negative integer, got ${n}`);
    if (op !== 0 && op !== 1) throw new ArgumentError(`elementwise: op must be 0 (add) or 1 (siluMul), got ${op}`);
    // cria_elementwise_args: a, b, out, (padding), int64 n at 16, op at 24.
    this.write(this.scratch, [this.ptr(m, 'a', a, n * 4), this.ptr(m, 'b', b, n * 4), this.ptr(m, 'out', out, n * 4), 0, n % 2 ** 32, Math.floor(n / 2 ** 32), op]);
    this.run('elementwise', this.scratch, op === 0 ? n : 16 * n);
  }

  softmax(x: Float32Array, out: Float32Array, rows: number, n: number): void {
    const m = 'softmax';
    const bytes = this.int(m, 'rows', rows) * this.int(m, 'n', n) * 4;
    this.write(this.scratch, [this.ptr(m, 'x', x, bytes), this.ptr(m, 'out', out, bytes), rows, n]);
    this.run('softmax', this.scratch, 16 * rows * n);
  }

  embedding(weight: WeightArray, wtype: WType, V: number, ids: Int32Array, out: Float32Array, count: number, H: number): void {
    const m = 'embedding';
    this.int(m, 'V', V);
    const idsAt = this.ptr(m, 'ids', ids, this.int(m, 'count', count) * 4);
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      if (id < 0 || id >= V) throw new ArgumentError(`embedding: ids[${i}] = ${id} is outside [0, ${V})`);
    }
    this.write(this.scratch, [
      this.ptr(m, 'weight', weight, weightBytes(m, wtype, V, this.int(m, 'H', H))), idsAt, this.ptr(m, 'out', out, count * H * 4), count, H, wtype,
    ]);
    this.run('embedding', this.scratch, count * H);
  }

  kvWrite(cache: Float32Array, src: Float32Array, B: number, S: number, kvHeads: number, D: number, maxLength: number, offset: number): void {
    const m = 'kvWrite';
    for (const [name, value] of Object.entries({ B, S, kvHeads, D, maxLength, offset })) this.int(m, name, value);
    if (offset + S > maxLength) throw new ArgumentError(`kvWrite: offset (${offset}) + S (${S}) is past the cache's maxLength (${maxLength})`);
    this.write(this.scratch, [
      this.ptr(m, 'cache', cache, B * kvHeads * maxLength * D * 4), this.ptr(m, 'src', src, B * S * kvHeads * D * 4), B, S, kvHeads, D, maxLength, offset,
    ]);
    this.run('kvWrite', this.scratch, B * S * kvHeads * D);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.workers.length > 0) {
      Atomics.store(this.ctrl, CONTROL.stop, 1);
      Atomics.add(this.ctrl, CONTROL.generation, 1);
      Atomics.notify(this.ctrl, CONTROL.generation);
    }
    this.exits = this.workers.map((worker) => worker.terminate());
    this.workers = [];
  }

  // ---- running a kernel ----------------------------------------------------------------------------------------

  /** Runs the kernel of `method` on the struct at `args`: share 0 here, the others on the workers. */
  private run(method: KernelMethod, args: number, work: number): void {
    this.live(method);
    const kernel = this.kernels[method];
    const nth = work < this.parallelThreshold ? 1 : this.threads;
    if (nth === 1) {
      kernel(args, 0, 1);
      return;
    }
    const ctrl = this.ctrl;
    Atomics.store(ctrl, CONTROL.kernel, KERNEL_METHODS.indexOf(method));
    Atomics.store(ctrl, CONTROL.args, args);
    Atomics.store(ctrl, CONTROL.nth, nth);
    Atomics.store(ctrl, CONTROL.pending, this.workers.length);
    Atomics.add(ctrl, CONTROL.generation, 1);
    if (Atomics.load(ctrl, CONTROL.sleeping) > 0) Atomics.notify(ctrl, CONTROL.generation);
    try {
      kernel(args, 0, nth);
    } finally {
      this.join();
    }
    const failed = Atomics.exchange(ctrl, CONTROL.failed, 0);
    if (failed !== 0) {
      const why = this.workerFailure ? `: ${this.workerFailure}` : ' (its error follows as a message from the worker)';
      throw new CriaError(`${method}: the WebAssembly kernel failed on worker ${failed}${why}`);
    }
  }

  /** Waits for every worker's share: spins a little, then sleeps where this thread may block. */
  private join(): void {
    const ctrl = this.ctrl;
    for (let spins = 0; ; spins++) {
      const left = Atomics.load(ctrl, CONTROL.pending);
      if (left === 0) return;
      if (this.canBlock && spins > CALLER_SPIN) Atomics.wait(ctrl, CONTROL.pending, left);
    }
  }

  // ---- arguments -----------------------------------------------------------------------------------------------

  private live(method: Method): void {
    if (this.disposed) throw new DisposedError(`${method}: the WebAssembly kernel runner was disposed`);
  }

  private int(method: Method, name: string, value: number): number {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new ArgumentError(`${method}: ${name} must be an integer in [0, 2^31), got ${value}`);
    return value;
  }

  /** x's offset, after checking the runner is live and rows × K floats fit in x. */
  private prepare(method: Method, x: Float32Array, name: string, rows: number, K: number): number {
    this.live(method);
    return this.ptr(method, name, x, this.int(method, 'rows', rows) * this.int(method, 'K', K) * 4);
  }

  /** The byte offset of `array` in the memory (0 for an optional null), refused unless it is ours and holds `bytes`. */
  private ptr(method: Method, name: string, array: Array32 | null | undefined, bytes: number, optional = false): number {
    if (array === null || array === undefined) {
      if (optional) return 0;
      throw new ArgumentError(`${method}: ${name} is required`);
    }
    if (!ArrayBuffer.isView(array) || !this.buffers.has(array.buffer)) {
      const detached = !this.shared && array?.buffer?.byteLength === 0 ? ' (a plain memory detaches its arrays when it grows: pass initialMemory)' : '';
      throw new ArgumentError(`${method}: ${name} is not an array of this runner's WebAssembly memory (allocate it with the runner's alloc())${detached}`);
    }
    if (array.byteLength < bytes) throw new ArgumentError(`${method}: ${name} holds ${array.byteLength} bytes, the kernel needs ${bytes}`);
    return array.byteOffset;
  }

  private writeLinear(method: Method, at: number, x: number, rows: number, K: number, wtype: WType, weight: WeightArray, bias: Float32Array | null, out: Float32Array, M: number, prefix = ''): void {
    this.int(method, `${prefix}M`, M);
    this.write(at, [
      x, this.ptr(method, `${prefix}weight`, weight, weightBytes(method, wtype, M, K)), this.ptr(method, `${prefix}bias`, bias, M * 4, true),
      this.ptr(method, `${prefix}out`, out, rows * M * 4), rows, K, M, wtype,
    ]);
  }

  /** Writes int32 words (pointers as unsigned 32-bit) then float32 words at byte offset `at`. */
  private write(at: number, ints: readonly number[], floats: readonly number[] = []): void {
    const i = at >>> 2;
    for (let j = 0; j < ints.length; j++) this.i32[i + j] = ints[j]!;
    for (let j = 0; j < floats.length; j++) this.f32[i + ints.length + j] = floats[j]!;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    if (!this.shared) this.buffers.clear(); // a plain memory's old buffer is detached by growth
    this.buffers.add(buffer);
    this.i32 = new Int32Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.ctrl = new Int32Array(buffer, this.control, CONTROL_BYTES / 4);
  }
}

/**
 * Elements and bytes per block of each weight type by number (kernel-runner.ts WTYPE, native/kernels.h cria_wtype):
 * the float types (one element of 4 or 2 bytes), then llama.cpp's block formats.
 */
const WTYPE_BLOCK: readonly { readonly elements: number; readonly bytes: number }[] = [
  { elements: 1, bytes: 4 }, { elements: 1, bytes: 2 }, { elements: 1, bytes: 2 },
  { elements: 32, bytes: 18 }, { elements: 32, bytes: 20 }, { elements: 32, bytes: 22 }, { elements: 32, bytes: 24 }, { elements: 32, bytes: 34 },
  { elements: 256, bytes: 144 }, { elements: 256, bytes: 176 }, { elements: 256, bytes: 210 },
];
const isBlockWType = (wtype: number) => wtype >= 3 && wtype < WTYPE_BLOCK.length;

/**
 * Bytes of a [rows, cols] weight of `wtype`: a float type (0 float32, 1 float16, 2 bfloat16), or where `block`, a
 * block format (3 .. 10, see WTYPE) whose cols must be whole blocks.
 */
function weightBytes(method: Method, wtype: number, rows: number, cols: number, block = true): number {
  const geometry = Number.isInteger(wtype) && (block || !isBlockWType(wtype)) ? WTYPE_BLOCK[wtype] : undefined;
  if (!geometry) {
    const which = block ? '0 (float32), 1 (float16), 2 (bfloat16) or a block format (3 .. 10)' : '0 (float32), 1 (float16) or 2 (bfloat16)';
    throw new ArgumentError(`${method}: wtype must be ${which}, got ${wtype}`);
  }
  if (cols % geometry.elements !== 0) throw new ArgumentError(`${method}: ${cols} columns are not whole blocks of ${geometry.elements} (wtype ${wtype})`);
  return rows * (cols / geometry.elements) * geometry.bytes;
}

