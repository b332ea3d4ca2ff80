/**
 * A class whose instances can be called as functions (as transformers.js makes its tokenizers):
 * `tokenizer(texts, options)` runs `tokenizer._call(texts, options)`.
 */
export interface CallableInstance {
  _call(...args: never[]): unknown;
}

export const Callable = class {
  constructor() {
    const closure = function (this: unknown, ...args: unknown[]): unknown {
      return (closure as unknown as { _call(...a: unknown[]): unknown })._call(...args);
    };
    return Object.setPrototypeOf(closure, new.target.prototype) as object;
  }
} as new () => object;
