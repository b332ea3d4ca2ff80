// One generation at a time: jobs run in arrival order; a bounded number may wait.
import { HttpError } from './http-io.js';

export class GenerationQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private running = 0;

  constructor(readonly maxWaiting: number) {}

  /** Jobs waiting plus the one running. */
  get size(): number {
    return this.waiting + this.running;
  }

  /**
   * Runs `job` after every job queued before it. A full queue is a 503; a job whose signal is aborted
   * while it waits is skipped (its promise rejects with the signal's reason).
   */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.waiting >= this.maxWaiting) {
      return Promise.reject(new HttpError(503, `server busy: ${this.waiting} requests are waiting for the model; retry later`));
    }
    this.waiting++;
    const result = this.tail.then(async () => {
      this.waiting--;
      signal?.throwIfAborted();
      this.running++;
      try {
        return await job();
      } finally {
        this.running--;
      }
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when every job queued so far has settled. */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }
}
