// The Node addon (build/Release/cria_cpu.node, built from native/ by scripts/build-addon.mjs) as a KernelRunner:
// native threads, the best instruction set the processor runs (or the one CRIA_CPU_ISA names).
import { BackendUnavailableError } from '@cria/core';
import { ArrayPool } from './array-pool.js';
import type { KernelRunner, WeightArray, WType } from './kernel-runner.js';

interface AddonContext {
  readonly isa: string;
  readonly threads: number;
  linear(x: Float32Array, rows: number, K: number, wtype: number, weight: WeightArray, bias: Float32Array | null, out: Float32Array, M: number): void;
  linearMany(x: Float32Array, rows: number, K: number, wtype: number, ...each: (WeightArray | Float32Array | number | null)[]): void;
  gated(x: Float32Array, rows: number, K: number, wtype: number, gate: WeightArray, up: WeightArray, gateBias: Float32Array | null, upBias: Float32Array | null, out: Float32Array, M: number): void;
  norm(a: Float32Array, b: Float32Array | null, weight: WeightArray, wtype: number, sum: Float32Array | null, out: Float32Array, rows: number, H: number, eps: number): void;
  rope(x: Float32Array, cos: Float32Array, sin: Float32Array, out: Float32Array, tokens: number, heads: number, headDim: number): void;
  attention(...args: (Float32Array | number | null)[]): void;
  elementwise(a: Float32Array, b: Float32Array, out: Float32Array, n: number, op: number): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, n: number): void;
  embedding(weight: WeightArray, wtype: number, V: number, ids: Int32Array, out: Float32Array, count: number, H: number): void;
  kvWrite(cache: Float32Array, src: Float32Array, B: number, S: number, kvHeads: number, D: number, maxLength: number, offset: number): void;
  /** Joins the threads; the context refuses work afterwards. */
  dispose(): void;
}

/** What the addon module exports. */
export interface CpuAddon {
  Context: new (threads: number, isa: string) => AddonContext;
  /** The instruction sets this processor runs, best first. */
  isas(): string[];
  /** std::thread::hardware_concurrency(). */
  hardwareThreads(): number;
  /** The bytes [offset, offset + length) of a file, mapped copy-on-write. */
  mapFile(path: string, offset: number, length: number): ArrayBuffer;
  /** Releases a mapFile buffer now (its views read as empty afterwards). */
  unmapFile(buffer: ArrayBuffer): void;
}

let loaded: { addon: CpuAddon } | { reason: string } | undefined;

/** The addon, loaded once; throws BackendUnavailableError saying why when it is not built or does not load. */
export async function loadCpuAddon(): Promise<CpuAddon> {
  if (!loaded) {
    if (typeof process === 'undefined' || !process.versions?.node) {
      loaded = { reason: 'the CPU addon needs Node (browsers use the WebAssembly build)' };
    } else {
      const path = await addonPath();
      try {
        const { createRequire } = await import('node:module');
        loaded = { addon: createRequire(import.meta.url)(path) as CpuAddon };
      } catch (error) {
        const why = (error as Error).message.split('\n')[0];
        loaded = { reason: `CPU addon not loadable from ${path} (${why}); build it with \`node scripts/build-addon.mjs\` in @cria/kernels-cpu (needs a C++ compiler), or set CRIA_CPU_ADDON` };
      }
    }
  }
  if ('reason' in loaded) throw new BackendUnavailableError('cpu', [{ name: 'cpu (addon)', reason: loaded.reason }]);
  return loaded.addon;
}

/** $CRIA_CPU_ADDON, else build/Release/cria_cpu.node in this package (the nearest folder above with a package.json). */
async function addonPath(): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { dirname, join, resolve } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  if (process.env.CRIA_CPU_ADDON) return resolve(process.env.CRIA_CPU_ADDON);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'build', 'Release', 'cria_cpu.node');
}

/** Bytes of freed arrays kept for reuse. */
const POOL_BYTES = 256 << 20;

export function createAddonRunner(addon: CpuAddon, threads: number, isa = process.env.CRIA_CPU_ISA ?? 'auto'): KernelRunner {
  const ctx = new addon.Context(threads, isa);
  const pool = new ArrayPool(POOL_BYTES);
  return {
    kind: 'addon',
    isa: ctx.isa,
    threads: ctx.threads,
    alloc: (kind: 'float32' | 'uint16' | 'int32' | 'uint8', length: number) => pool.take(kind, length) as never,
    free: (array) => pool.give(array),
    linear: (x, rows, K, wtype, weight, bias, out, M) => ctx.linear(x, rows, K, wtype, weight, bias, out, M),
    linearMany: (x, rows, K, wtype, each) => ctx.linearMany(x, rows, K, wtype, ...each.flat()),
    gated: (x, rows, K, wtype, gate, up, gateBias, upBias, out, M) => ctx.gated(x, rows, K, wtype, gate, up, gateBias, upBias, out, M),
    norm: (a, b, weight, wtype: WType, sum, out, rows, H, eps) => ctx.norm(a, b, weight, wtype, sum, out, rows, H, eps),
    rope: (x, cos, sin, out, tokens, heads, headDim) => ctx.rope(x, cos, sin, out, tokens, heads, headDim),
    attention: (...args) => ctx.attention(...args),
    elementwise: (a, b, out, n, op) => ctx.elementwise(a, b, out, n, op),
    softmax: (x, out, rows, n) => ctx.softmax(x, out, rows, n),
    embedding: (weight, wtype, V, ids, out, count, H) => ctx.embedding(weight, wtype, V, ids, out, count, H),
    kvWrite: (cache, src, B, S, kvHeads, D, maxLength, offset) => ctx.kvWrite(cache, src, B, S, kvHeads, D, maxLength, offset),
    mapFile: (path, offset, length) => addon.mapFile(path, offset, length),
    unmapFile: (buffer) => addon.unmapFile(buffer),
    dispose() {
      pool.clear();
      ctx.dispose();
    },
  };
}
