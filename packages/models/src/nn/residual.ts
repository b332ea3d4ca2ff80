import type { Backend, Tensor } from '@cria/core';
import type { RMSNorm } from './module.js';
import { addRmsNorm, rmsNorm } from './ops.js';

/**
 * The residual stream of a pre-norm decoder: `h.norm(w)` is norm(h) and `h.add(x)` makes h = h + x. An add is
 * held until the norm that reads its sum, so the two run as one addRmsNorm where the backend has it (a layer's
 * last add with the next layer's input norm, or the final norm), else as add then rmsNorm: the same numbers.
 *
 * The stream owns the tensors added to it and the sums it makes; it frees a sum once the next one replaces it,
 * unless `keepNextSum` hands that sum to the caller (hidden states). `dispose` frees what it still holds.
 */
export class ResidualStream implements Disposable {
  readonly #backend: Backend;
  #sum: Tensor;
  #ownsSum: boolean;
  #pending: Tensor | null = null;
  #takeNextSum: ((sum: Tensor) => void) | null = null;

  /** `initial` [B, S, H] float32; the stream frees it when the first sum replaces it if `owned`. */
  constructor(backend: Backend, initial: Tensor, owned: boolean) {
    this.#backend = backend;
    this.#sum = initial;
    this.#ownsSum = owned;
  }

  /** norm(h): a new tensor the caller owns. */
  norm(norm: RMSNorm): Tensor {
    if (!this.#pending) return rmsNorm(this.#backend, this.#sum, norm);
    const { sum, normed } = addRmsNorm(this.#backend, this.#sum, this.#pending, norm);
    this.#replaceSum(sum);
    return normed;
  }

  /** h = h + x; takes `x`. Returns the stream. */
  add(x: Tensor): this {
    if (this.#pending) this.#replaceSum(this.#backend.add(this.#sum, this.#pending));
    this.#pending = x;
    return this;
  }

  /** The next sum the stream makes goes to `take` (which then owns it) instead of being freed after use. */
  keepNextSum(take: (sum: Tensor) => void): void {
    this.#takeNextSum = take;
  }

  #replaceSum(sum: Tensor): void {
    this.#pending?.dispose();
    this.#pending = null;
    if (this.#ownsSum) this.#sum.dispose();
    this.#sum = sum;
    this.#ownsSum = this.#takeNextSum === null;
    this.#takeNextSum?.(sum);
    this.#takeNextSum = null;
  }

  [Symbol.dispose](): void {
    this.#pending?.dispose();
    this.#pending = null;
    if (this.#ownsSum) this.#sum.dispose();
    this.#ownsSum = false;
  }
}
