// The allow-list that lets the pickle machine read torch.save output and nothing else: the tensor
// rebuild functions, the storage types, the dtypes, OrderedDict and the builtin containers. Every
// other global is refused by name before anything can call it.
import type { ElementDType } from '@cria/core';
import type { PicklePolicy } from '../pickle/unpickler.js';
import { PickleDict, PickleError, PickleGlobal, PickleSet, PickleTuple, describe, type PickleValue } from '../pickle/values.js';

/** A dtype as torch names it; int16 has no cria DType, so it is kept apart and refused on read. */
export type TorchDType = ElementDType | 'int16';

export const TORCH_DTYPE_BYTES: Readonly<Record<TorchDType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const STORAGE_TYPES: Readonly<Record<string, TorchDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

const DTYPE_NAMES: Readonly<Record<string, TorchDType>> = {
  float32: 'float32', float: 'float32', float16: 'float16', half: 'float16', bfloat16: 'bfloat16',
  float64: 'float64', double: 'float64', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32',
  int16: 'int16', short: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

const CALLABLES = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'collections.OrderedDict',
  'builtins.set', 'builtins.frozenset', 'builtins.list', 'builtins.tuple', 'builtins.dict',
  '__builtin__.set', '__builtin__.frozenset', '__builtin__.list', '__builtin__.tuple', '__builtin__.dict',
  '_codecs.encode',
]);

/** Classes that may only appear as the `new_type` of `_rebuild_from_type_v2`. */
const TENSOR_CLASSES = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);

/** A storage named by a persistent id: `data/<key>` in the archive, `numel` elements of `dtype`. */
export interface StorageRef {
  readonly pickleType: 'storage';
  readonly key: string;
  readonly dtype: TorchDType;
  readonly numel: number;
  readonly location: string;
}

/** A tensor as the pickle describes it: nothing is read until asked. Offset and strides in elements. */
export interface TensorRef {
  readonly pickleType: 'tensor';
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly dtype: TorchDType;
}

export function isTensorRef(value: PickleValue): value is TensorRef & PickleValue {
  return typeof value === 'object' && value !== null && 'pickleType' in value && value.pickleType === 'tensor';
}

export function allowedGlobalNames(): string[] {
  return [
    ...CALLABLES,
    ...TENSOR_CLASSES,
    ...Object.keys(STORAGE_TYPES).map((n) => `torch.${n}`),
    ...Object.keys(DTYPE_NAMES).map((n) => `torch.${n}`),
  ];
}

/** The policy for one torch.save pickle. `storages` collects every storage the pickle names. */
export class TorchPicklePolicy implements PicklePolicy {
  readonly storages = new Map<string, StorageRef>();
  constructor(readonly file: string) {}

  fail(message: string): never {
    throw new PickleError(this.file, message);
  }

  resolveGlobal(module: string, name: string): PickleGlobal {
    const qualified = `${module}.${name}`;
    if (CALLABLES.has(qualified)) return new PickleGlobal(module, name, 'callable');
    if (TENSOR_CLASSES.has(qualified)) return new PickleGlobal(module, name, 'class');
    if (module === 'torch' && name in STORAGE_TYPES) return new PickleGlobal(module, name, 'storage-type');
    if (module === 'torch' && name in DTYPE_NAMES) return new PickleGlobal(module, name, 'dtype');
    this.fail(`pickle refers to the global '${qualified}', which is not allowed: a checkpoint may only name tensor-rebuild functions, storage types, dtypes and containers (refused without running anything)`);
  }

  call(callable: PickleGlobal, args: PickleTuple): PickleValue {
    const a = args.items;
    if (callable.kind !== 'callable') this.fail(`pickle calls '${callable.qualifiedName}', which is not callable here`);
    switch (callable.qualifiedName) {
      case 'torch._utils._rebuild_tensor_v2':
        this.arity(callable, a, 6, 7);
        this.checkHooks(a[5]!, callable);
        return this.tensor(a[0]!, a[1]!, a[2]!, a[3]!);
      case 'torch._utils._rebuild_tensor':
        this.arity(callable, a, 4, 4);
        return this.tensor(a[0]!, a[1]!, a[2]!, a[3]!);
      case 'torch._utils._rebuild_parameter':
        this.arity(callable, a, 3, 3);
        this.checkHooks(a[2]!, callable);
        return this.expectTensor(a[0]!, callable);
      case 'torch._utils._rebuild_parameter_with_state':
        this.arity(callable, a, 4, 4);
        this.checkHooks(a[2]!, callable);
        this.checkEmptyState(a[3]!, callable);
        return this.expectTensor(a[0]!, callable);
      case 'torch._tensor._rebuild_from_type_v2': {
        this.arity(callable, a, 4, 4);
        const [func, newType, innerArgs, state] = a as [PickleValue, PickleValue, PickleValue, PickleValue];
        if (!(func instanceof PickleGlobal) || !func.qualifiedName.startsWith('torch._utils._rebuild_')) {
          this.fail(`${callable.qualifiedName} may only call a torch._utils rebuild function, not ${describe(func)}`);
        }
        if (!(newType instanceof PickleGlobal) || !TENSOR_CLASSES.has(newType.qualifiedName)) {
          this.fail(`${callable.qualifiedName} may only rebuild torch.Tensor or Parameter, not ${describe(newType)}`);
        }
        if (!(innerArgs instanceof PickleTuple)) this.fail(`${callable.qualifiedName} needs an argument tuple, got ${describe(innerArgs)}`);
        this.checkEmptyState(state, callable);
        return this.expectTensor(this.call(func, innerArgs), callable);
      }
      case 'collections.OrderedDict':
        return this.dictFrom(a, 'OrderedDict', callable);
      case 'builtins.dict':
      case '__builtin__.dict':
        return this.dictFrom(a, 'dict', callable);
      case 'builtins.list':
      case '__builtin__.list':
        return [...this.iterable(a, callable)];
      case 'builtins.tuple':
      case '__builtin__.tuple':
        return new PickleTuple([...this.iterable(a, callable)]);
      case 'builtins.set':
      case '__builtin__.set':
      case 'builtins.frozenset':
      case '__builtin__.frozenset': {
        const set = new PickleSet(callable.name === 'frozenset');
        for (const item of this.iterable(a, callable)) {
          if (item !== null && typeof item === 'object') this.fail(`${callable.qualifiedName}: items must be hashable scalars, found ${describe(item)}`);
          set.items.add(item);
        }
        return set;
      }
      case '_codecs.encode': {
        // Protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1').
        const [text, encoding] = a;
        if (a.length !== 2 || typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          this.fail(`_codecs.encode is only allowed as encode(str, 'latin1'), got (${a.map(describe).join(', ')})`);
        }
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 0xff) this.fail('_codecs.encode: text has characters outside latin-1');
          out[i] = c;
        }
        return out;
      }
      default:
        this.fail(`pickle calls '${callable.qualifiedName}', which is not allowed`);
    }
  }

  build(target: PickleValue, state: PickleValue): PickleValue {
    if (isEmptyState(state) && (isTensorRef(target) || target instanceof PickleDict || target instanceof PickleSet)) return target;
    this.fail(`pickle BUILD sets state ${describe(state)} on ${describe(target)}: only empty state is allowed`);
  }

  persistentLoad(pid: PickleValue): PickleValue {
    if (!(pid instanceof PickleTuple)) this.fail(`persistent id must be a tuple ('storage', type, key, location, numel), got ${describe(pid)}`);
    const [tag, type, key, location, numel] = pid.items;
    if (tag !== 'storage' || pid.items.length < 5) this.fail(`persistent id must be ('storage', type, key, location, numel), got a ${describe(tag)} tuple of ${pid.items.length}`);
    if (!(type instanceof PickleGlobal) || type.kind !== 'storage-type') this.fail(`storage type must be a torch.*Storage, got ${describe(type)}`);
    if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) this.fail(`storage key must be a plain name, got ${describe(key)}`);
    if (typeof location !== 'string') this.fail(`storage location must be a str, got ${describe(location)}`);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) this.fail(`storage '${key}' size must be a non-negative int, got ${describe(numel)}`);
    const viewMetadata = pid.items[5];
    if (pid.items.length > 6 || (viewMetadata !== undefined && viewMetadata !== null)) {
      this.fail(`storage '${key}' is a view of another storage (legacy view_metadata), which is not supported`);
    }
    const dtype = STORAGE_TYPES[type.name]!;
    const known = this.storages.get(key);
    if (known) {
      if (known.dtype !== dtype || known.numel !== numel) this.fail(`storage '${key}' is named twice with different types or sizes`);
      return known;
    }
    const ref: StorageRef = { pickleType: 'storage', key, dtype, numel, location };
    this.storages.set(key, ref);
    return ref;
  }

  tensor(storage: PickleValue, offset: PickleValue, size: PickleValue, stride: PickleValue): TensorRef {
    if (typeof storage !== 'object' || storage === null || !('pickleType' in storage) || storage.pickleType !== 'storage') {
      this.fail(`tensor storage must come from a persistent id, got ${describe(storage)}`);
    }
    const ref = storage as StorageRef;
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) this.fail(`tensor storage offset must be a non-negative int, got ${describe(offset)}`);
    const shape = this.intTuple(size, 'size');
    const strides = this.intTuple(stride, 'stride');
    if (shape.length !== strides.length) this.fail(`tensor size (${shape.length} dims) and stride (${strides.length} dims) differ`);
    return { pickleType: 'tensor', storage: ref, storageOffset: offset, shape, stride: strides, dtype: ref.dtype };
  }

  intTuple(value: PickleValue, what: string): number[] {
    if (!(value instanceof PickleTuple)) this.fail(`tensor ${what} must be a tuple, got ${describe(value)}`);
    return value.items.map((d) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) this.fail(`tensor ${what} must hold non-negative ints, got ${describe(d)}`);
      return d;
    });
  }

  expectTensor(value: PickleValue, callable: PickleGlobal): PickleValue {
    if (!isTensorRef(value)) this.fail(`${callable.qualifiedName} needs a tensor, got ${describe(value)}`);
    return value;
  }

  checkHooks(hooks: PickleValue, callable: PickleGlobal): void {
    if (hooks === null) return;
    if (hooks instanceof PickleDict && hooks.entries.size === 0) return;
    this.fail(`${callable.qualifiedName}: backward hooks must be empty, got ${describe(hooks)}`);
  }

  checkEmptyState(state: PickleValue, callable: PickleGlobal): void {
    if (!isEmptyState(state)) this.fail(`${callable.qualifiedName}: tensor state must be empty, got ${describe(state)}`);
  }

  arity(callable: PickleGlobal, args: readonly PickleValue[], min: number, max: number): void {
    if (args.length < min || args.length > max) {
      this.fail(`${callable.qualifiedName} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
    }
  }

  iterable(args: readonly PickleValue[], callable: PickleGlobal): PickleValue[] {
    if (args.length === 0) return [];
    const [source] = args;
    if (args.length !== 1) this.fail(`${callable.qualifiedName} takes at most one argument, got ${args.length}`);
    if (Array.isArray(source)) return source;
    if (source instanceof PickleTuple) return [...source.items];
    if (source instanceof PickleSet) return [...source.items];
    this.fail(`${callable.qualifiedName} needs a list or tuple, got ${describe(source)}`);
  }

  dictFrom(args: readonly PickleValue[], kind: 'dict' | 'OrderedDict', callable: PickleGlobal): PickleDict {
    const dict = new PickleDict(kind);
    if (args.length === 1 && args[0] instanceof PickleDict) {
      for (const [k, v] of args[0].entries) dict.entries.set(k, v);
      return dict;
    }
    for (const pair of this.iterable(args, callable)) {
      const items = pair instanceof PickleTuple ? pair.items : Array.isArray(pair) ? pair : undefined;
      if (!items || items.length !== 2) this.fail(`${callable.qualifiedName} needs (key, value) pairs, got ${describe(pair)}`);
      dict.set(items[0]!, items[1]!, this.file);
    }
    return dict;
  }
}

function isEmptyState(state: PickleValue): boolean {
  if (state === null) return true;
  if (state instanceof PickleDict) return state.entries.size === 0;
  if (state instanceof PickleTuple) return state.items.every(isEmptyState);
  return false;
}
