import { describe, expect, it } from 'vitest';
import type { Backend, OpName } from './backend.js';
import { ArgumentError } from './errors.js';
import { withoutOps } from './without-ops.js';

/** A stand-in backend with private state, as the real ones have (a Proxy that did not bind would break it). */
class PrivateStateBackend {
  readonly name = 'cpu' as const;
  #calls = 0;
  supports(op: OpName): boolean {
    return op !== 'cast';
  }
  add(): string {
    this.#calls++;
    return `add ${this.#calls}`;
  }
  get calls(): number {
    return this.#calls;
  }
}

const make = () => new PrivateStateBackend() as unknown as Backend & PrivateStateBackend;

describe('withoutOps', () => {
  it('says the listed ops are unsupported and leaves the others as the backend answers', () => {
    const view = withoutOps(make(), ['linearSiluMul', 'addRmsNorm']);
    expect(view.supports('linearSiluMul', ['float32', 'float16', 'float16'])).toBe(false);
    expect(view.supports('addRmsNorm', ['float32', 'float32', 'float16'])).toBe(false);
    expect(view.supports('linear', ['float32', 'float16'])).toBe(true);
    expect(view.supports('cast', ['float32'])).toBe(false);
  });
  it('hides the listed ops whatever the inputs, and passes TensorSpecs through to the backend for the others', () => {
    const seen: unknown[] = [];
    const backend = { name: 'cpu', supports: (op: OpName, inputs: readonly unknown[]) => (seen.push(inputs), op !== 'cast') } as unknown as Backend;
    const view = withoutOps(backend, ['linearMany']);
    const x = { dtype: 'float32', shape: [1, 8] } as const;
    const w = { dtype: 'float16', shape: [4, 8] } as const;
    expect(view.supports('linearMany', [x, w])).toBe(false);
    expect(view.supports('linear', [x, w])).toBe(true);
    expect(seen).toEqual([[x, w]]);
  });
  it('runs everything else on the backend itself, private state included', () => {
    const backend = make();
    const view = withoutOps(backend, ['linearMany']);
    expect((view as unknown as PrivateStateBackend).add()).toBe('add 1');
    expect(view.name).toBe('cpu');
    expect((view as unknown as PrivateStateBackend).calls).toBe(1);
    expect(backend.calls).toBe(1);
  });
  it('refuses a name that is not an op', () => {
    expect(() => withoutOps(make(), ['fusedEverything' as OpName])).toThrow(ArgumentError);
    expect(() => withoutOps(make(), ['fusedEverything' as OpName])).toThrow(/withoutOps: 'fusedEverything' is not an op/);
  });
});
