// Gives way to the event loop (I/O, timers, signals) between decode steps. A CPU-backend step's
// promises all resolve as microtasks, so without this a long generate() never lets I/O run.

/** The host functions a yield can be built on; globalThis's by default. */
export interface EventLoopHost {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: new () => {
    port1: { onmessage: ((event: unknown) => void) | null; ref?: () => void; unref?: () => void };
    port2: { postMessage(message: unknown): void };
  };
  setTimeout?: (callback: () => void, ms: number) => unknown;
}

/**
 * A function whose promise resolves on a later turn of the event loop (a macrotask): setImmediate where
 * it exists (Node, Bun); else one shared MessageChannel (browsers, workers: no 4 ms timer clamp);
 * else setTimeout(0).
 */
export function eventLoopYielder(host: EventLoopHost = globalThis as EventLoopHost): () => Promise<void> {
  const { setImmediate, MessageChannel, setTimeout } = host;
  if (typeof setImmediate === 'function') return () => new Promise<void>((resolve) => void setImmediate(resolve));
  if (typeof MessageChannel === 'function') return messageChannelYielder(MessageChannel);
  if (typeof setTimeout === 'function') return () => new Promise<void>((resolve) => void setTimeout(resolve, 0));
  throw new TypeError('eventLoopYielder: the host has none of setImmediate, MessageChannel, setTimeout');
}

/** One channel for every yield: each message posted wakes the oldest waiter. */
function messageChannelYielder(Channel: NonNullable<EventLoopHost['MessageChannel']>): () => Promise<void> {
  const channel = new Channel();
  const waiting: Array<() => void> = [];
  // Node's ports (ref/unref) keep the process alive only while a yield waits.
  channel.port1.onmessage = () => {
    waiting.shift()?.();
    if (waiting.length === 0) channel.port1.unref?.();
  };
  channel.port1.unref?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === 1) channel.port1.ref?.();
      channel.port2.postMessage(null);
    });
}

let hostYielder: (() => Promise<void>) | undefined;

/** Resolves on a later turn of this host's event loop. */
export function yieldToEventLoop(): Promise<void> {
  hostYielder ??= eventLoopYielder();
  return hostYielder();
}
