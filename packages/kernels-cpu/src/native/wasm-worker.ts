// The worker of the WebAssembly runner, as source text (started with `eval: true` in Node and from a Blob URL in
// browsers, so it needs no file beside the bundle). Each worker instantiates the kernels module over the shared
// memory, moves its __stack_pointer to its own stack, says 'ready', and then serves kernels forever: it waits for the
// control block's generation to change (spinning a little first, then Atomics.wait), runs share `ith` of `nth`, and
// counts `pending` down, notifying the caller when it reaches 0. Below: starting one (node:worker_threads or Worker).

/** Int32 slots of the control block (in the shared memory at `control`). */
export const CONTROL = { generation: 0, pending: 1, kernel: 2, args: 3, nth: 4, stop: 5, sleeping: 6, failed: 7 } as const;
export const CONTROL_BYTES = 64;

/** The exports the workers and the caller run, in the order the control block's `kernel` slot numbers them. */
export const KERNEL_EXPORTS = [
  'cria_linear', 'cria_linear_many', 'cria_gated', 'cria_norm', 'cria_rope',
  'cria_attention', 'cria_elementwise', 'cria_softmax', 'cria_embedding', 'cria_kv_write',
] as const;

/** The first message a worker gets. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** The top of this worker's stack (it grows down). */
  stackTop: number;
  ith: number;
  /** The generation at start: the worker serves the ones after it. */
  generation: number;
  /** Atomics.load polls before sleeping on Atomics.wait. */
  spin: number;
}

const C = CONTROL;
const body = String.raw`
'use strict';
const KERNELS = ${JSON.stringify(KERNEL_EXPORTS)};
function serve(ctrl, kernels, init, send) {
  let seen = init.generation;
  for (;;) {
    let now = Atomics.load(ctrl, ${C.generation});
    for (let i = 0; now === seen && i < init.spin; i++) now = Atomics.load(ctrl, ${C.generation});
    if (now === seen) {
      Atomics.add(ctrl, ${C.sleeping}, 1);
      Atomics.wait(ctrl, ${C.generation}, seen);
      Atomics.sub(ctrl, ${C.sleeping}, 1);
      continue;
    }
    seen = now;
    if (Atomics.load(ctrl, ${C.stop}) !== 0) return;
    const nth = Atomics.load(ctrl, ${C.nth});
    if (init.ith < nth) {
      try {
        kernels[Atomics.load(ctrl, ${C.kernel})](Atomics.load(ctrl, ${C.args}), init.ith, nth);
      } catch (error) {
        Atomics.compareExchange(ctrl, ${C.failed}, 0, init.ith);
        send({ type: 'failed', ith: init.ith, message: String((error && error.stack) || error) });
      }
    }
    if (Atomics.sub(ctrl, ${C.pending}, 1) === 1) Atomics.notify(ctrl, ${C.pending});
  }
}
function start(send, receive, close) {
  receive((init) => {
    let ctrl, kernels;
    try {
      const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
      instance.exports.__stack_pointer.value = init.stackTop;
      kernels = KERNELS.map((name) => instance.exports[name]);
      ctrl = new Int32Array(init.memory.buffer, init.control, ${CONTROL_BYTES / 4});
    } catch (error) {
      send({ type: 'error', message: String((error && error.stack) || error) });
      return;
    }
    send({ type: 'ready' });
    serve(ctrl, kernels, init, send);
    close();
  });
}
`;

/** For `new Worker(source, { eval: true })` in Node. */
export const NODE_WORKER_SOURCE = `${body}
const { parentPort } = require('node:worker_threads');
start((m) => parentPort.postMessage(m), (f) => parentPort.once('message', f), () => parentPort.close());
`;

/** For a module-less Worker from a Blob URL in browsers. */
export const BROWSER_WORKER_SOURCE = `${body}
start((m) => self.postMessage(m), (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; }, () => self.close());
`;

/** A worker of the pool, Node or browser. */
export interface PoolWorker {
  post(message: WorkerInit): void;
  listen(handler: (message: { type: string; message?: string }) => void, onError: (error: unknown) => void): void;
  /** Stops the worker; settles when it has exited. */
  terminate(): Promise<unknown>;
  /** Lets the process exit while the worker runs (Node). */
  unref(): void;
}

export async function nodeWorkerFactory(): Promise<() => PoolWorker> {
  const { Worker } = await import('node:worker_threads');
  return () => {
    const worker = new Worker(NODE_WORKER_SOURCE, { eval: true });
    return {
      post: (message) => worker.postMessage(message),
      listen: (handler, onError) => {
        worker.on('message', handler);
        worker.on('error', onError);
      },
      unref: () => worker.unref(),
      terminate: () => worker.terminate(),
    };
  };
}

export function browserWorkerFactory(): () => PoolWorker {
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  return () => {
    const worker = new Worker(url);
    return {
      post: (message) => worker.postMessage(message),
      listen: (handler, onError) => {
        worker.onmessage = (event: MessageEvent) => handler(event.data as { type: string; message?: string });
        worker.onerror = (event) => onError(event.message);
      },
      terminate: () => {
        worker.terminate();
        return Promise.resolve();
      },
      unref: () => {},
    };
  };
}
