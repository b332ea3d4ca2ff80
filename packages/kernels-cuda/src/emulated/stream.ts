// The emulated stream with CUDA-graph capture, after native/context.cc: outside a capture work runs at once (in
// stream order, which for one host thread is call order); while capturing nothing runs, the work is recorded,
// allocations belong to the graph, and frees follow the native rules (a capture-time allocation is freed inside
// the graph, older memory after the capture ends). Replay re-runs the recorded work, which reads device memory
// (positions, offsets) as it is at replay time.
import type { DevicePtr } from '../binding.js';
import { type Block, DeviceMemory, hex } from './device-memory.js';

type Step = { kind: 'alloc'; block: Block } | { kind: 'free'; block: Block } | { kind: 'work'; name: string; run: () => void };

interface Graph {
  readonly id: number;
  readonly steps: readonly Step[];
  /** Allocations left live by the captured work: they hold each replay's results. */
  readonly allocations: ReadonlySet<Block>;
  /** Allocations the captured work frees itself (temps). */
  readonly temps: readonly Block[];
  launched: boolean;
  /** Allocations whose tensors were disposed while the graph lived: freed when it is destroyed. */
  readonly released: Set<Block>;
}

interface Capture {
  steps: Step[];
  allocations: Set<Block>;
  temps: Block[];
  /** Frees of memory from before the capture: done when it ends. */
  deferredFrees: DevicePtr[];
}

export class EmulatedStream {
  readonly memory: DeviceMemory;
  #live = true;
  #capture: Capture | null = null;
  readonly #graphs: (Graph | null)[] = [];
  /** Allocations of destroyed graphs still held by tensors: live ones (the graph ran) and never-realised ones. */
  readonly #orphanLive = new Set<Block>();
  readonly #orphanUnrealised = new Set<Block>();

  constructor(totalBytes: number) {
    this.memory = new DeviceMemory(totalBytes);
  }

  get live(): boolean {
    return this.#live;
  }

  get capturing(): boolean {
    return this.#capture !== null;
  }

  requireLive(): void {
    if (!this.#live) throw new Error('the CUDA backend was disposed');
  }

  /** Throws for what native/context.cc refuses while capturing (uploads, reads, synchronize). */
  refuseWhileCapturing(what: string): void {
    if (this.#capture) throw new Error(`${what} during CUDA graph capture is not allowed`);
  }

  /** Runs `run` now, or records it into the capture in progress. */
  enqueue(name: string, run: () => void): void {
    this.requireLive();
    if (this.#capture) this.#capture.steps.push({ kind: 'work', name, run });
    else run();
  }

  alloc(bytes: number): DevicePtr {
    this.requireLive();
    if (!this.#capture) return this.memory.alloc(bytes, 'live').base;
    const block = this.memory.alloc(bytes, 'unrealised');
    block.note = `allocated while capturing CUDA graph ${this.#graphs.length}`;
    this.#capture.allocations.add(block);
    this.#capture.steps.push({ kind: 'alloc', block });
    return block.base;
  }

  free(ptr: DevicePtr | null): void {
    if (!this.#live || ptr === null) return; // everything went with the context
    const block = this.memory.blockAt(ptr);
    if (this.#capture) {
      if (block && this.#capture.allocations.delete(block)) {
        // Freed inside the graph: at this point of every replay.
        this.#capture.temps.push(block);
        this.#capture.steps.push({ kind: 'free', block });
      } else {
        this.#capture.deferredFrees.push(ptr);
      }
      return;
    }
    this.#freeOutsideCapture(ptr, block);
  }

  #freeOutsideCapture(ptr: DevicePtr, block: Block | undefined): void {
    const owner = block ? this.#graphs.find((g) => g?.allocations.has(block)) : undefined;
    if (owner && block) {
      owner.released.add(block); // graph-owned: freed when the graph is destroyed
      return;
    }
    if (block && this.#orphanUnrealised.delete(block)) {
      this.memory.release(block, 'freed by free() after its CUDA graph was destroyed, never replayed');
      return;
    }
    if (block) this.#orphanLive.delete(block);
    if (!block) throw new Error(`CUDA cudaFreeAsync failed: free: pointer ${hex(ptr)} is not the start of an allocation of this context`);
    if (block.state === 'freed') throw new Error(`CUDA cudaFreeAsync failed: free: pointer ${hex(ptr)} was already freed (${block.note})`);
    if (block.state !== 'live') throw new Error(`CUDA cudaFreeAsync failed: free: pointer ${hex(ptr)} is memory a CUDA graph frees itself (${block.note})`);
    this.memory.release(block, 'freed by free()');
  }

  beginCapture(): void {
    this.requireLive();
    if (this.#capture) throw new Error('beginCapture: a capture is already in progress');
    this.#capture = { steps: [], allocations: new Set(), temps: [], deferredFrees: [] };
  }

  /** Ends the capture; returns the graph's id. */
  endCapture(): number {
    this.requireLive();
    const capture = this.#capture;
    if (!capture) throw new Error('endCapture: no capture in progress');
    this.#capture = null;
    const id = this.#graphs.length;
    this.#graphs.push({ id, steps: capture.steps, allocations: capture.allocations, temps: capture.temps, launched: false, released: new Set() });
    for (const block of capture.temps) block.note = `freed inside CUDA graph ${id}`;
    // As native endCapture: under free()'s rules (one owned by an earlier graph stays that graph's).
    const errors: string[] = [];
    for (const ptr of capture.deferredFrees) {
      try {
        this.#freeOutsideCapture(ptr, this.memory.blockAt(ptr));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    if (errors.length) throw new Error(`endCapture: frees deferred during the capture failed: ${errors.join('; ')}`);
    return id;
  }

  replay(id: number): void {
    this.requireLive();
    if (this.#capture) throw new Error('replay: launching a CUDA graph while capturing is not supported by the emulated device');
    const graph = this.#graphs[id];
    if (!graph) throw new RangeError('replay: unknown graph');
    graph.steps.forEach((step, index) => {
      if (step.kind === 'alloc') {
        // Graph memory is (re)allocated at its alloc node on every launch: nothing from before survives.
        this.memory.poison(step.block, 'live', `allocated by CUDA graph ${id} at replay`);
      } else if (step.kind === 'free') {
        this.memory.poison(step.block, 'graph-freed', `freed inside CUDA graph ${id} at step ${index} of its replay`);
      } else {
        try {
          step.run();
        } catch (error) {
          throw new Error(`replay of CUDA graph ${id}, step ${index} (${step.name}): ${(error as Error).message}`, { cause: error });
        }
      }
    });
    graph.launched = true;
  }

  destroyGraph(id: number): void {
    if (!this.#live) return;
    const graph = this.#graphs[id];
    if (!graph) return;
    this.#graphs[id] = null;
    // Allocations already let go of are freed now; tensors that still hold the others free (or forget) them when disposed.
    for (const block of graph.allocations) {
      if (graph.released.has(block)) this.memory.release(block, `freed with CUDA graph ${id} (its tensor was disposed first)`);
      else (graph.launched ? this.#orphanLive : this.#orphanUnrealised).add(block);
    }
    for (const block of graph.temps) this.memory.release(block, `freed with CUDA graph ${id}`);
  }

  dispose(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#capture = null;
    this.#graphs.length = 0;
    this.#orphanLive.clear();
    this.#orphanUnrealised.clear();
    this.memory.releaseAll('freed when the context was disposed');
  }
}
