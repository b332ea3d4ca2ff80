import { describe, expect, it } from 'vitest';
import { DisposedError, UnsupportedOpError, ArgumentError } from '../errors.js';
import { HOST, hostTensor } from '../tensor.js';
import { OpContract } from './contract.js';
import { withSignatures } from './signatures.js';

const backend = { name: 'test' };
const limit = (op: string, inputs: readonly { shape: readonly number[] }[]) => (op === 'softmax' && inputs[0]!.shape.at(-1)! > 4 ? 'rows longer than 4' : undefined);

describe('OpContract', () => {
  it('supports: the dtype table for DTypes; the device limits too for TensorSpecs', () => {
    const contract = new OpContract(backend, { limit });
    expect(contract.supports('softmax', ['float32'])).toBe(true);
    expect(contract.supports('softmax', [{ dtype: 'float32', shape: [2, 4] }])).toBe(true);
    expect(contract.supports('softmax', [{ dtype: 'float32', shape: [2, 5] }])).toBe(false);
    expect(contract.supports('softmax', ['float16'])).toBe(false);
    expect(contract.supports('nonsense' as never, ['float32'])).toBe(false);
    expect(contract.supports('toString' as never, ['float32'])).toBe(false);
    const wide = new OpContract(backend, { signatures: withSignatures({ softmax: { names: ['x'], required: [['float32', 'float16']] } }) });
    expect(wide.supports('softmax', ['float16'])).toBe(true);
  });

  it('inputs: open backend, live tensors it holds, dtypes in the table, in that order', () => {
    const contract = new OpContract(backend, { holds: (t) => t.device === 'cpu' });
    const x = hostTensor(new Float32Array(4), [2, 2], 'float32', HOST);
    expect(contract.inputs('add', { a: x, b: x })).toEqual([x, x]);
    expect(() => contract.inputs('add', { a: x, b: {} as never })).toThrow(/add: b must be a Tensor/);
    const half = hostTensor(new Uint16Array(4), [2, 2], 'float16', HOST);
    expect(() => contract.inputs('add', { a: x, b: half })).toThrow(UnsupportedOpError);
    expect(() => contract.inputs('add', { a: x, b: half })).toThrow("backend 'test' does not support op 'add' for dtypes [float32, float16]: b is float16; expected float32");
    const elsewhere = hostTensor(new Float32Array(4), [2, 2], 'float32', { name: 'webgpu', read: async () => new Float32Array(4) });
    expect(() => contract.inputs('add', { a: elsewhere, b: x })).toThrow(ArgumentError);
    expect(() => contract.inputs('add', { a: elsewhere, b: x })).toThrow(/add: a \[2, 2\] float32 is on 'webgpu'/);
    const gone = hostTensor(new Float32Array(4), [2, 2], 'float32', HOST);
    gone.dispose();
    expect(() => contract.inputs('add', { a: gone, b: x })).toThrow(DisposedError);
    contract.dispose();
    expect(() => contract.inputs('add', { a: x, b: x })).toThrow(DisposedError);
    expect(() => contract.inputs('add', { a: x, b: x })).toThrow('the test backend was disposed; create a new one');
  });

  it('within: a device limit is an UnsupportedOpError with its reason', () => {
    const contract = new OpContract(backend, { limit });
    expect(() => contract.within('softmax', [{ dtype: 'float32', shape: [1, 8] }])).toThrow("backend 'test' does not support op 'softmax' for dtypes [float32]: rows longer than 4");
    expect(() => contract.within('softmax', [{ dtype: 'float32', shape: [1, 3] }])).not.toThrow();
  });
});
