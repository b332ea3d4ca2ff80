// Runs cases on a backend and on the reference and compares what comes back.
import { type Backend, type OpInput, type Tensor, type TypedArray, UnsupportedOpError } from '@cria/core';
import { outputError } from './compare.js';
import { executeCase } from './execute.js';
import { type HostInput, INPUT_NAMES, buildInputs } from './inputs.js';
import type { OpCase } from './op-case.js';
import { OP_CASES } from './cases.js';

export type OpCaseStatus = 'pass' | 'fail' | 'unsupported';

export interface OpCaseResult {
  case: OpCase;
  status: OpCaseStatus;
  /** The largest error over the op's outputs (NaN when nothing was compared). */
  error: number;
  bound: number;
  /** Why the case failed or is unsupported. */
  message?: string;
  /** Wall time of the backend's op and read-back, in milliseconds. */
  ms?: number;
}

interface Outputs {
  values: Map<string, { data: TypedArray; shape: readonly number[]; dtype: Tensor['dtype'] }>;
  ms: number;
}

/** Uploads fresh copies of the inputs (a backend may adopt what it is given, and kvWrite writes in place). */
function upload(backend: Backend, inputs: ReadonlyMap<string, HostInput>): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [name, input] of inputs) tensors.set(name, backend.upload(input.data.slice() as TypedArray, input.shape, input.dtype));
  return tensors;
}

async function run(backend: Backend, opCase: OpCase, inputs: ReadonlyMap<string, HostInput>): Promise<Outputs> {
  const tensors = upload(backend, inputs);
  const owned = new Set<Tensor>(tensors.values());
  try {
    await backend.synchronize();
    const start = performance.now();
    const outputs = executeCase(backend, opCase, tensors);
    for (const t of outputs.values()) owned.add(t);
    const values: Outputs['values'] = new Map();
    for (const [name, t] of outputs) values.set(name, { data: await backend.read(t), shape: [...t.shape], dtype: t.dtype });
    return { values, ms: performance.now() - start };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** What `supports` is asked for a case: its inputs as TensorSpecs in argument order (cast: its dtypes [from, to]). */
export function supportsInputs(opCase: OpCase): OpInput[] {
  if (opCase.op === 'cast') return [...opCase.dtypes];
  const names = INPUT_NAMES[opCase.op].filter((name) => opCase.shapes[name] !== undefined);
  return names.map((name, i) => ({ dtype: opCase.dtypes[i]!, shape: opCase.shapes[name]! }));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Runs `opCase` on `backend` and on `reference` (the cpu backend) with the same inputs and compares
 * every output. 'unsupported' when the backend says it does not support the op for these inputs (dtypes and shapes:
 * a device limit counts);
 * 'fail' when it throws, returns another shape or dtype, or exceeds the bound (NaN never passes).
 */
export async function runOpCase(backend: Backend, reference: Backend, opCase: OpCase): Promise<OpCaseResult> {
  const base = { case: opCase, bound: opCase.bound };
  if (!backend.supports(opCase.op, supportsInputs(opCase))) {
    return { ...base, status: 'unsupported', error: NaN, message: `${backend.name} does not support ${opCase.op} [${opCase.dtypes.join(', ')}]` };
  }
  if (!reference.supports(opCase.op, opCase.dtypes)) {
    throw new Error(`the reference backend '${reference.name}' does not support ${opCase.op} [${opCase.dtypes.join(', ')}] (case '${opCase.name}')`);
  }
  const inputs = buildInputs(opCase);
  const expected = await run(reference, opCase, inputs);
  let actual: Outputs;
  try {
    actual = await run(backend, opCase, inputs);
  } catch (error) {
    const said = error instanceof UnsupportedOpError ? ' (its supports() said it would run)' : '';
    return { ...base, status: 'fail', error: NaN, message: `threw${said}: ${(error as Error).message}` };
  }
  let worst = 0;
  for (const [name, want] of expected.values) {
    const got = actual.values.get(name);
    if (!got) return { ...base, status: 'fail', error: NaN, message: `output '${name}' is missing`, ms: actual.ms };
    if (got.dtype !== want.dtype || !sameShape(got.shape, want.shape)) {
      return {
        ...base,
        status: 'fail',
        error: NaN,
        message: `output '${name}' is [${got.shape.join(', ')}] ${got.dtype}; expected [${want.shape.join(', ')}] ${want.dtype}`,
        ms: actual.ms,
      };
    }
    const error = outputError(got.data, want.data, want.dtype);
    if (!(error <= worst)) worst = error; // keeps NaN
  }
  const status = worst <= opCase.bound ? 'pass' : 'fail';
  const result: OpCaseResult = { ...base, status, error: worst, ms: actual.ms };
  if (status === 'fail') result.message = `error ${worst} exceeds the bound ${opCase.bound}`;
  return result;
}

/** Runs every case (the whole table by default) in order. */
export async function runConformance(backend: Backend, reference: Backend, cases: readonly OpCase[] = OP_CASES): Promise<OpCaseResult[]> {
  const results: OpCaseResult[] = [];
  for (const opCase of cases) results.push(await runOpCase(backend, reference, opCase));
  return results;
}
