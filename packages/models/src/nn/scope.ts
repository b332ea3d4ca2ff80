import type { Tensor } from '@cria/core';

/**
 * Intermediates of one computation, freed together when the scope ends (`using scope = new Scope()`): what a
 * function `own`s dies with it, what it returns without owning is the caller's. Ownership stays visible at
 * the line that creates each tensor.
 */
export class Scope implements Disposable {
  readonly #tensors: Tensor[] = [];

  /** Frees `tensor` (or each of `tensors`) when the scope ends; returns it. */
  own<T extends Tensor | readonly Tensor[]>(tensors: T): T {
    if (Array.isArray(tensors)) this.#tensors.push(...(tensors as readonly Tensor[]));
    else this.#tensors.push(tensors as Tensor);
    return tensors;
  }

  [Symbol.dispose](): void {
    for (const tensor of this.#tensors.splice(0)) tensor.dispose();
  }
}
