// Writes the data.pkl that torch.save writes for a state dict: an OrderedDict of
// _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()) calls.
import { PickleBuilder } from '../pickle/pickle-builder.js';
import type { TorchDType } from './torch-policy.js';

const STORAGE_TYPE_NAMES: Readonly<Record<TorchDType, string>> = {
  float32: 'FloatStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage', float64: 'DoubleStorage',
  int64: 'LongStorage', int32: 'IntStorage', int16: 'ShortStorage', int8: 'CharStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

/** One tensor of the state dict, as a view of a storage (element offsets and strides). */
export interface TorchSaveTensor {
  readonly name: string;
  readonly storageKey: string;
  readonly dtype: TorchDType;
  /** Elements in the whole storage. */
  readonly storageNumel: number;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** `legacy`: persistent ids carry the legacy format's sixth item (view_metadata None). */
export function encodeTorchSavePickle(tensors: readonly TorchSaveTensor[], options: { legacy?: boolean } = {}): Uint8Array {
  const p = new PickleBuilder().proto(2);
  p.global('collections', 'OrderedDict');
  const orderedDict = p.put();
  p.emptyTuple().reduce();
  p.put();
  const storageSlots = new Map<string, number>();
  let rebuild: number | undefined;
  p.mark();
  for (const t of tensors) {
    p.string(t.name);
    p.put();
    if (rebuild === undefined) {
      p.global('torch._utils', '_rebuild_tensor_v2');
      rebuild = p.put();
    } else {
      p.get(rebuild);
    }
    p.mark(); // the argument tuple
    const storage = storageSlots.get(t.storageKey);
    if (storage !== undefined) {
      p.get(storage);
    } else {
      p.mark().string('storage').global('torch', STORAGE_TYPE_NAMES[t.dtype]).string(t.storageKey).string('cpu').int(t.storageNumel);
      if (options.legacy) p.none();
      p.tuple();
      p.binpersid();
      storageSlots.set(t.storageKey, p.put());
    }
    p.int(t.storageOffset);
    p.mark();
    for (const d of t.shape) p.int(d);
    p.tuple();
    p.mark();
    for (const s of t.stride) p.int(s);
    p.tuple();
    p.bool(false);
    p.get(orderedDict).emptyTuple().reduce();
    p.tuple();
    p.reduce();
    p.put();
  }
  p.setItems();
  return p.stop().bytes();
}
