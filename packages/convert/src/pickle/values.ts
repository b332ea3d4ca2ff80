// The values the pickle machine builds. Python objects map to plain JavaScript where that is
// faithful (None -> null, bool, float -> number, str -> string, list -> array, bytes -> Uint8Array)
// and to small classes where it is not (tuple, dict, int beyond 2^53, a resolved global).
import { FileFormatError } from '@cria/core';

/** A Python tuple (kept apart from a list so that torch's argument shapes can be checked). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A Python dict / OrderedDict, in insertion order. Keys are compared as JavaScript values. */
export class PickleDict {
  readonly entries = new Map<PickleKey, PickleValue>();
  constructor(readonly kind: 'dict' | 'OrderedDict' = 'dict') {}
  set(key: PickleValue, value: PickleValue, file: string): void {
    this.entries.set(asKey(key, file), value);
  }
}

/** A Python set or frozenset. */
export class PickleSet {
  readonly items = new Set<PickleKey>();
  constructor(readonly frozen: boolean) {}
}

export type PickleKey = string | number | bigint | boolean | null;

/**
 * A global that passed the allow-list. `kind` says what it is; only 'callable' globals may be
 * called by REDUCE/NEWOBJ, and only through the handler the allow-list gives them.
 */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly kind: 'callable' | 'storage-type' | 'dtype' | 'class',
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object the allow-listed callables return (a lazy tensor, a storage reference). */
export interface PickleObject {
  readonly pickleType: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleSet
  | PickleGlobal
  | PickleObject;

function asKey(key: PickleValue, file: string): PickleKey {
  if (key === null || typeof key === 'string' || typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return key;
  throw new PickleError(file, `dict keys must be str, int, float, bool or None; got ${describe(key)}`);
}

/** A short description of a value for error messages. */
export function describe(value: PickleValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (typeof value === 'string') return `str ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `number ${value}`;
  if (typeof value === 'boolean') return `bool ${value}`;
  if (value instanceof Uint8Array) return `bytes (${value.byteLength})`;
  if (Array.isArray(value)) return `list (${value.length} items)`;
  if (value instanceof PickleTuple) return `tuple (${value.items.length} items)`;
  if (value instanceof PickleDict) return `${value.kind} (${value.entries.size} items)`;
  if (value instanceof PickleSet) return value.frozen ? 'frozenset' : 'set';
  if (value instanceof PickleGlobal) return `global ${value.qualifiedName}`;
  return value.pickleType;
}

/** A pickle that is malformed, truncated, or asks for something the allow-list refuses. */
export class PickleError extends FileFormatError {}

/** The pickle ended before its STOP: more bytes might complete it (the legacy reader reads on). */
export class PickleTruncatedError extends PickleError {}
