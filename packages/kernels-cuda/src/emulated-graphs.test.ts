// CUDA-graph capture on the CUDA backend's TypeScript layer over an emulated device: the capture semantics of
// native/context.cc (nothing runs while capturing, graph-owned memory, frees inside and around a capture, use-after-free
// poisoning). The graph replays judged against plain loops are test/parity's (test/cuda/emulated-graphs.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { CudaBackend } from './backend.js';
import type { DevicePtr } from './binding.js';
import { POISON_BYTE, createEmulatedCudaBackend } from './testing.js';

const ptr = (t: { storage: { handle: unknown } }): DevicePtr => t.storage.handle as DevicePtr;
const f32 = (backend: CudaBackend, values: number[]) => backend.upload(Float32Array.from(values), [values.length], 'float32');
const readF32 = async (backend: CudaBackend, t: Parameters<CudaBackend['read']>[0]) => Array.from((await backend.read(t)) as Float32Array);
const allPoison = (buffer: ArrayBuffer): boolean => new Uint8Array(buffer).every((b) => b === POISON_BYTE);

let backend: CudaBackend;
afterEach(() => backend?.dispose());

describe('cuda backend (TypeScript layer) over an emulated device: CUDA graphs', () => {
  it('runs nothing while capturing: work on older memory happens at each replay, reading device scalars then', async () => {
    backend = createEmulatedCudaBackend();
    const counter = backend.upload(Int32Array.of(5, -1), [2], 'int32');
    const dst = f32(backend, [0, 0]);
    const src = f32(backend, [7, 8]);
    const cache = backend.zeros([1, 1, 4, 2], 'float32');
    const offset = backend.upload(Int32Array.of(1), [1], 'int32');
    backend.beginCapture();
    backend.advance(counter);
    backend.copyInto(dst, src);
    backend.kvWriteAt(cache, src.view([1, 1, 2]), offset);
    backend.advance(offset);
    const graph = backend.endCapture();
    expect(Array.from((await backend.read(counter)) as Int32Array)).toEqual([5, -1]);
    expect(await readF32(backend, dst)).toEqual([0, 0]);
    expect(await readF32(backend, cache)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    graph.replay();
    graph.replay();
    backend.write(src, Float32Array.of(1, 2));
    graph.replay();
    expect(Array.from((await backend.read(counter)) as Int32Array)).toEqual([8, 2]);
    expect(await readF32(backend, dst)).toEqual([1, 2]);
    // Slots 1, 2, 3 written by the three replays (the offset advanced on the device); a fourth would be out of range.
    expect(await readF32(backend, cache)).toEqual([0, 0, 7, 8, 7, 8, 1, 2]);
    graph.replay();
    expect(await readF32(backend, cache)).toEqual([0, 0, 7, 8, 7, 8, 1, 2]);
    expect(Array.from((await backend.read(offset)) as Int32Array)).toEqual([5]);
    graph.dispose();
  });

  it('refuses uploads, writes, reads and synchronize while capturing, and the capture still ends', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2]);
    backend.beginCapture();
    expect(() => backend.upload(Float32Array.of(1), [1], 'float32')).toThrow(/upload during CUDA graph capture is not allowed/);
    expect(() => backend.write(a, Float32Array.of(3, 4))).toThrow(/upload during CUDA graph capture is not allowed/);
    await expect(backend.read(a)).rejects.toThrow(/read during CUDA graph capture is not allowed/);
    expect(() => backend.synchronize()).toThrow(/synchronize during CUDA graph capture is not allowed/);
    expect(() => backend.beginCapture()).toThrow(/a capture is already in progress/);
    const doubled = backend.add(a, a);
    const graph = backend.endCapture();
    expect(() => backend.endCapture()).toThrow(/no capture in progress/);
    graph.replay();
    expect(await readF32(backend, doubled)).toEqual([2, 4]);
    graph.dispose();
  });

  it('graph memory exists only once the graph ran, and holds each replay results', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2]);
    backend.beginCapture();
    const sum = backend.add(a, a);
    const graph = backend.endCapture();
    await expect(backend.read(sum)).rejects.toThrow(new RegExp(`download: src 0x${ptr(sum).toString(16)} is memory of a CUDA graph that has not been replayed yet`));
    graph.replay();
    expect(await readF32(backend, sum)).toEqual([2, 4]);
    // Disposing a graph-owned tensor while the graph lives leaves the memory to the graph.
    const view = sum.view([2]);
    sum.dispose();
    view.dispose();
    backend.write(a, Float32Array.of(5, 6));
    graph.replay();
    expect(new Float32Array(await backend.context.download(ptr(sum), 8))).toEqual(Float32Array.of(10, 12));
    graph.dispose();
  });

  it('frees a graph-owned tensor disposed after its graph, and forgets one of a graph that never ran', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2]);
    backend.beginCapture();
    const ran = backend.add(a, a);
    const ranGraph = backend.endCapture();
    backend.beginCapture();
    const never = backend.add(a, a);
    const neverGraph = backend.endCapture();
    ranGraph.replay();
    ranGraph.dispose();
    neverGraph.dispose();
    expect(await readF32(backend, ran)).toEqual([2, 4]);
    const [ranPtr, neverPtr] = [ptr(ran), ptr(never)];
    ran.dispose();
    never.dispose();
    expect(() => backend.context.download(ranPtr, 8)).toThrow(new RegExp(`download: src 0x${ranPtr.toString(16)} was freed \\(freed by free\\(\\)\\)`));
    expect(() => backend.context.download(neverPtr, 8)).toThrow(new RegExp(`download: src 0x${neverPtr.toString(16)} was freed \\(freed by free\\(\\) after its CUDA graph was destroyed, never replayed\\)`));
  });

  it('a graph-owned tensor disposed before its graph is freed when the graph is destroyed (no leak); with one another capture frees', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2]);
    const before = backend.memoryInfo().poolUsed;
    backend.beginCapture();
    const out = backend.add(a, a);
    const graph = backend.endCapture();
    graph.replay();
    const outPtr = ptr(out);
    out.dispose(); // the graph still owns it: kept while the graph lives
    expect(backend.memoryInfo().poolUsed).toBeGreaterThan(before);
    graph.dispose();
    expect(backend.memoryInfo().poolUsed).toBe(before);
    expect(() => backend.context.download(outPtr, 8)).toThrow(/was freed \(freed with CUDA graph 0 \(its tensor was disposed first\)\)/);
    // Disposed during another capture (a deferred free): still the first graph's until it goes.
    backend.beginCapture();
    const first = backend.add(a, a);
    const firstGraph = backend.endCapture();
    firstGraph.replay();
    backend.beginCapture();
    first.dispose();
    const second = backend.add(a, a);
    const secondGraph = backend.endCapture();
    secondGraph.replay();
    expect(await readF32(backend, second)).toEqual([2, 4]);
    firstGraph.dispose();
    secondGraph.dispose();
    second.dispose();
    expect(backend.memoryInfo().poolUsed).toBe(before);
    a.dispose();
  });

  it('a temp allocated and freed during the capture is freed inside the graph: poisoned when read after replay', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2, 3]);
    backend.beginCapture();
    const temp = backend.add(a, a);
    const out = backend.add(temp, a);
    const tempPtr = ptr(temp);
    temp.dispose();
    const graph = backend.endCapture();
    expect(() => backend.context.download(tempPtr, 12)).toThrow(/has not been replayed yet/);
    graph.replay();
    expect(await readF32(backend, out)).toEqual([3, 6, 9]);
    const stale = await backend.context.download(tempPtr, 12);
    expect(allPoison(stale)).toBe(true);
    expect(Array.from(new Float32Array(stale)).every(Number.isNaN)).toBe(true);
    graph.dispose();
    out.dispose();
    expect(() => backend.context.download(tempPtr, 12)).toThrow(/was freed \(freed with CUDA graph/);
  });

  it('frees of older memory during a capture wait for its end; recorded work that still reads it then fails at replay', async () => {
    backend = createEmulatedCudaBackend();
    const a = f32(backend, [1, 2]);
    const b = f32(backend, [3, 4]);
    const bPtr = ptr(b);
    backend.beginCapture();
    const sum = backend.add(a, b);
    b.dispose();
    const graph = backend.endCapture();
    expect(() => backend.context.download(bPtr, 8)).toThrow(new RegExp(`download: src 0x${bPtr.toString(16)} was freed \\(freed by free\\(\\)\\); it was used after free`));
    expect(() => graph.replay()).toThrow(new RegExp(`replay of CUDA graph \\d+, step 1 \\(add\\): add: b 0x${bPtr.toString(16)} was freed`));
    graph.dispose();
    sum.dispose();
  });

  it('graph allocations are poisoned again at every replay (nothing survives from the last one)', async () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const x = f32(backend, [1, 2]);
    ctx.beginCapture();
    const scratch = ctx.alloc(8);
    ctx.add(scratch, x.storage.handle as DevicePtr, scratch, 2); // reads scratch before anything wrote it
    const id = ctx.endCapture();
    ctx.replay(id);
    expect(Array.from(new Float32Array(await ctx.download(scratch, 8))).every(Number.isNaN)).toBe(true);
    ctx.upload(scratch, Float32Array.of(10, 20));
    ctx.replay(id);
    expect(Array.from(new Float32Array(await ctx.download(scratch, 8))).every(Number.isNaN)).toBe(true);
    ctx.destroyGraph(id);
    ctx.free(scratch);
  });

  it('recorded work that reads a temp after the graph freed it reads poison (as on the device, no error)', async () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const x = f32(backend, [1, 2]);
    const xPtr = ptr(x);
    ctx.beginCapture();
    const temp = ctx.alloc(8);
    const out = ctx.alloc(8);
    ctx.add(xPtr, xPtr, temp, 2);
    ctx.free(temp);
    ctx.add(temp, xPtr, out, 2); // use after free inside the graph
    const id = ctx.endCapture();
    ctx.replay(id);
    expect(Array.from(new Float32Array(await ctx.download(out, 8))).every(Number.isNaN)).toBe(true);
    ctx.destroyGraph(id);
    ctx.free(out);
  });

  it('unknown graphs, dispose and work after dispose', () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    expect(() => ctx.replay(3)).toThrow(RangeError);
    expect(() => ctx.destroyGraph(3)).not.toThrow();
    const p = ctx.alloc(4);
    backend.dispose();
    expect(() => ctx.alloc(4)).toThrow(/the CUDA backend was disposed/);
    expect(() => ctx.add(p, p, p, 1)).toThrow(/the CUDA backend was disposed/);
    expect(() => ctx.free(p)).not.toThrow();
  });
});

describe('cuda backend (TypeScript layer) over an emulated device: memory', () => {
  it('fresh memory is poison (NaN as float, -1 as int32), not zeros', async () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const p = ctx.alloc(16);
    const bytes = await ctx.download(p, 16);
    expect(Array.from(new Float32Array(bytes)).every(Number.isNaN)).toBe(true);
    expect(Array.from(new Int32Array(bytes))).toEqual([-1, -1, -1, -1]);
    expect(Array.from(new Uint16Array(bytes)).every((h) => h === 0xffff)).toBe(true);
    ctx.free(p);
  });

  it('use after free, double free, unknown pointers and out-of-range accesses throw, naming the method and pointer', () => {
    backend = createEmulatedCudaBackend();
    const ctx = backend.context;
    const p = ctx.alloc(16);
    const q = ctx.alloc(16);
    ctx.free(p);
    const hexP = `0x${p.toString(16)}`;
    expect(() => ctx.download(p, 4)).toThrow(`download: src ${hexP} was freed`);
    expect(() => ctx.upload(p, Float32Array.of(1))).toThrow(`upload: dst ${hexP} was freed`);
    expect(() => ctx.add(q, p, q, 4)).toThrow(`add: b ${hexP} was freed`);
    expect(() => ctx.free(p)).toThrow(`free: pointer ${hexP} was already freed`);
    expect(() => ctx.download(0x1234n, 4)).toThrow('download: src 0x1234 is not device memory of this context');
    expect(() => ctx.download(q, 20)).toThrow(/20 bytes at offset 0 run past the end of its allocation of 16 bytes/);
    expect(() => ctx.zero(q + 8n, 12)).toThrow(/zero: ptr 0x[0-9a-f]+: 12 bytes at offset 8 run past the end/);
    expect(() => ctx.add(q + 2n, q, q, 1)).toThrow(/add: a 0x[0-9a-f]+ is not aligned to 4 bytes/);
    expect(() => ctx.add(q, q, q, 1.5)).toThrow(/add: n must be an integer >= 0, got 1.5/);
    expect(() => ctx.cast(0, q, 9, q, 1)).toThrow(/cast: unknown dtype code 9 for toDtype/);
    ctx.free(q);
  });

  it('runs out of memory where the emulated device is full', () => {
    backend = createEmulatedCudaBackend({ totalMemory: 1024 });
    expect(() => backend.zeros([200], 'float32')).not.toThrow();
    expect(() => backend.zeros([200], 'float32')).toThrow(/cudaErrorMemoryAllocation: out of memory/);
    expect(backend.memoryInfo().total).toBe(1024);
  });
});
