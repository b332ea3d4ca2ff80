// What every op of every backend checks before its kernels run, in one order: the backend is open, each input a live
// Tensor this backend can read, the dtypes in the op's signature (UnsupportedOpError), then (the op's own shape
// checks: ArgumentError), then the backend's device limits (UnsupportedOpError). `supports` answers from the same
// table and the same limits, so an op never refuses for a reason `supports` could have given.
import type { OpName } from '../backend.js';
import type { DType } from '../dtype.js';
import { ArgumentError, DisposedError, UnsupportedOpError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { OP_SIGNATURES, type OpSignatures, signatureMismatch } from './signatures.js';
import { type OpInput, type TensorSpec, describeSpec, dtypeOf, specsOf } from './spec.js';

/**
 * A device limit: why these inputs (and, when the op knows them, its outputs) exceed what the device runs, in words,
 * or undefined when they do not. Asked by `supports` with the caller's specs (outputs left out: estimate them) and
 * by the op with its tensors and outputs.
 */
export type OpLimit = (op: OpName, inputs: readonly TensorSpec[], outputs?: readonly TensorSpec[]) => string | undefined;

export interface OpContractOptions {
  /** The dtype table: OP_SIGNATURES, with the backend's overrides (withSignatures). */
  signatures?: OpSignatures;
  /** The backend's device limits (none by default). */
  limit?: OpLimit;
  /** Whether the backend's kernels can read `t` (default: `t.owner` is the backend). */
  holds?: (t: Tensor) => boolean;
}

export class OpContract {
  readonly #backend: { readonly name: string };
  readonly #signatures: OpSignatures;
  readonly #limit: OpLimit;
  readonly #holds: (t: Tensor) => boolean;
  #disposed = false;

  constructor(backend: { readonly name: string }, options: OpContractOptions = {}) {
    this.#backend = backend;
    this.#signatures = options.signatures ?? OP_SIGNATURES;
    this.#limit = options.limit ?? (() => undefined);
    this.#holds = options.holds ?? ((t) => t.owner === backend);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Marks the backend disposed: every later call throws DisposedError. */
  dispose(): void {
    this.#disposed = true;
  }

  assertOpen(): void {
    if (this.#disposed) throw new DisposedError(`the ${this.#backend.name} backend was disposed; create a new one`);
  }

  /**
   * Backend.supports: the op's dtype signature, and with TensorSpecs the device limits (and linearMany's weights told
   * from its biases by rank). Never throws.
   */
  supports(op: OpName, inputs: readonly OpInput[]): boolean {
    const signature = Object.hasOwn(this.#signatures, op) ? this.#signatures[op] : undefined;
    if (!signature || !Array.isArray(inputs)) return false;
    const specs = specsOf(inputs);
    const repeated = signature.repeated && specs ? specs.slice(signature.required.length).filter((t) => t.shape.length === 2).length : undefined;
    if (signatureMismatch(signature, inputs.map(dtypeOf), repeated) !== null) return false;
    return specs === null || this.#limit(op, specs) === undefined;
  }

  /** Throws unless the backend is open and `t` is a live Tensor it can read (`arg` names it in `op`'s message). */
  tensor(op: string, arg: string, t: unknown): Tensor {
    this.assertOpen();
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${arg} must be a Tensor`);
    t.assertAlive(`${op}: ${arg}`);
    if (!this.#holds(t)) {
      throw new ArgumentError(`${op}: ${arg} ${describeSpec(t)} is on '${t.device}'; the ${this.#backend.name} backend needs a tensor of its own (upload it)`);
    }
    return t;
  }

  /**
   * The checks before an op's shape rules: open, each named input (undefined ones left out) a tensor held here, the
   * dtypes in the signature (linearMany's inputs named weights[i] and biases[i]).
   */
  inputs(op: OpName, named: Readonly<Record<string, Tensor | undefined>>): Tensor[] {
    const entries = Object.entries(named).filter(([, t]) => t !== undefined && t !== null);
    const tensors = entries.map(([arg, t]) => this.tensor(op, arg, t));
    const weights = entries.filter(([arg]) => arg.startsWith('weights[')).length;
    this.dtypes(op, tensors.map((t) => t.dtype), weights > 0 ? weights : undefined);
    return tensors;
  }

  /** Throws UnsupportedOpError (naming the argument) unless `dtypes` fit the op's signature. */
  dtypes(op: OpName, dtypes: readonly DType[], repeatedCount?: number): void {
    const signature = this.#signatures[op];
    const reason = signature ? signatureMismatch(signature, dtypes, repeatedCount) : 'not an op';
    if (reason !== null) throw new UnsupportedOpError(this.#backend.name, op, dtypes, reason);
  }

  /** After the op's shape checks: throws UnsupportedOpError when a device limit refuses these inputs and outputs. */
  within(op: OpName, inputs: readonly TensorSpec[], outputs?: readonly TensorSpec[]): void {
    const reason = this.#limit(op, inputs, outputs);
    if (reason !== undefined) throw new UnsupportedOpError(this.#backend.name, op, inputs.map((t) => t.dtype), reason);
  }
}
