// Runs the bad-arguments table on a backend: every row must throw the error class it names, with a message that names
// what it names (or, for a row that must succeed, give what it checks).
import { type Backend, HOST, Tensor, hostTensor, shapeSize } from '@cria/core';
import { BAD_ARGUMENT_CASES, type BadArgumentCase } from './bad-arguments.js';

export interface BadArgumentResult {
  case: BadArgumentCase;
  status: 'pass' | 'fail';
  /** What was thrown (class: message), or what was wrong. */
  message: string;
}

/** A tensor in host memory owned by no backend that runs ops: every backend must refuse it as another backend's. */
const foreignOwner = { name: 'elsewhere', read: HOST.read };

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `a non-Error: ${String(error)}`;
}

async function runCase(backend: Backend, fresh: () => Promise<Backend>, c: BadArgumentCase): Promise<BadArgumentResult> {
  const target = c.disposedBackend ? await fresh() : backend;
  const owned: Tensor[] = [];
  const tensors: Record<string, Tensor> = {};
  for (const [name, [shape, dtype]] of Object.entries(c.inputs)) {
    const spoil = c.spoil?.[name];
    const t = spoil === 'foreign' ? hostTensor(new Float32Array(shapeSize(shape)), shape, 'float32', foreignOwner) : target.zeros(shape, dtype);
    owned.push(t);
    tensors[name] = spoil === 'not a tensor' ? ({ shape, dtype } as unknown as Tensor) : t;
    if (spoil === 'disposed') t.dispose();
  }
  if (c.disposedBackend) target.dispose();
  const fail = (message: string): BadArgumentResult => ({ case: c, status: 'fail', message });
  try {
    let result: unknown;
    try {
      result = c.call(target, tensors);
    } catch (error) {
      const said = describeError(error);
      if (c.error === null) return fail(`threw ${said}`);
      if (!(error instanceof Error) || error.name !== c.error) return fail(`threw ${said}; expected ${c.error}`);
      if (!error.message.includes(c.names)) return fail(`threw ${said}; the message must name '${c.names}'`);
      return { case: c, status: 'pass', message: said };
    }
    const outputs = result instanceof Tensor ? [result] : Object.values((result ?? {}) as Record<string, unknown>);
    for (const t of outputs) if (t instanceof Tensor) owned.push(t);
    if (c.error !== null) return fail(`returned; expected ${c.error} naming '${c.names}'`);
    const wrong = c.check?.(result);
    return wrong === undefined ? { case: c, status: 'pass', message: 'ran' } : fail(wrong);
  } finally {
    if (!c.disposedBackend) for (const t of owned) t.dispose();
  }
}

/**
 * Runs the rows on `backend`; `fresh` starts another backend of the same kind for the rows that dispose their backend.
 */
export async function runBadArguments(backend: Backend, fresh: () => Promise<Backend>, cases: readonly BadArgumentCase[] = BAD_ARGUMENT_CASES): Promise<BadArgumentResult[]> {
  const results: BadArgumentResult[] = [];
  for (const c of cases) results.push(await runCase(backend, fresh, c));
  return results;
}

/** One line per failing row (op, row, what happened), for a test's message. */
export function formatBadArguments(backendName: string, results: readonly BadArgumentResult[]): string {
  const failed = results.filter((r) => r.status === 'fail');
  return [`bad arguments on ${backendName}: ${results.length - failed.length} of ${results.length} pass`, ...failed.map((r) => `  ${r.case.op} ${r.case.name}: ${r.message}`)].join('\n');
}
