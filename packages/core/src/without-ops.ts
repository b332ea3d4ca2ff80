// A view of a backend that runs every op of its own but says it does not support some of them, so that code which
// asks `supports` first (the models' fused ops) takes its other path on the same device: for A/B timings
// (`cria bench --separate-ops`) and for tests of those paths.
import { ArgumentError } from './errors.js';
import { type Backend, OP_NAMES, type OpName } from './backend.js';

/**
 * `backend` with `supports(op, …)` false for each of `ops`, whatever the inputs (dtypes or TensorSpecs); everything else,
 * and the other ops, as `backend` answers (device limits included).
 * Methods run on `backend` itself (bound to it), so tensors stay owned by it and its private state works; disposing
 * the view disposes `backend`.
 */
export function withoutOps<B extends Backend>(backend: B, ops: readonly OpName[]): B {
  for (const op of ops) {
    if (!OP_NAMES.includes(op)) throw new ArgumentError(`withoutOps: '${String(op)}' is not an op (expected one of ${OP_NAMES.join(', ')})`);
  }
  const hidden = new Set<OpName>(ops);
  const supports = (op: OpName, inputs: Parameters<Backend['supports']>[1]): boolean => !hidden.has(op) && backend.supports(op, inputs);
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'supports') return supports;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
