import { describe, expect, it } from 'vitest';
import { OP_NAMES } from '../backend.js';
import type { DType } from '../dtype.js';
import { OP_SIGNATURES, narrowBlockSignatures, signatureMismatch, withSignatures } from './signatures.js';

const fits = (op: (typeof OP_NAMES)[number], dtypes: DType[]) => signatureMismatch(OP_SIGNATURES[op], dtypes) === null;

describe('OP_SIGNATURES', () => {
  it('has a row for every op of the closed set', () => {
    expect(Object.keys(OP_SIGNATURES).sort()).toEqual([...OP_NAMES].sort());
  });

  it('takes float32 activations, float32/float16/bfloat16 weights, optional trailing inputs', () => {
    expect(fits('linear', ['float32', 'bfloat16'])).toBe(true);
    expect(fits('linear', ['float32', 'bfloat16', 'float16'])).toBe(true);
    expect(fits('linear', ['float16', 'float16'])).toBe(false);
    expect(fits('linear', ['float32'])).toBe(false);
    expect(fits('attention', ['float32', 'float32', 'float32', 'int32'])).toBe(true);
    expect(fits('attention', ['float32', 'float32', 'float32', 'bool'])).toBe(false);
    expect(fits('cast', ['int32'])).toBe(true);
    expect(fits('cast', ['float32', 'int64'])).toBe(false);
  });

  it('linearSiluMul: gate and up share a dtype, the biases come both or neither and share one', () => {
    expect(fits('linearSiluMul', ['float32', 'float16', 'float16', 'float32', 'float32'])).toBe(true);
    expect(fits('linearSiluMul', ['float32', 'float16', 'bfloat16'])).toBe(false);
    expect(fits('linearSiluMul', ['float32', 'float16', 'float16', 'float16'])).toBe(false);
    expect(fits('linearSiluMul', ['float32', 'float16', 'float16', 'float16', 'float32'])).toBe(false);
  });

  it('linearMany: n weights of one dtype, then none or n biases of one dtype', () => {
    expect(fits('linearMany', ['float32', 'float16'])).toBe(true);
    expect(fits('linearMany', ['float32', 'bfloat16', 'bfloat16', 'bfloat16'])).toBe(true);
    expect(fits('linearMany', ['float32', 'bfloat16', 'bfloat16', 'float32', 'float32'])).toBe(true);
    expect(fits('linearMany', ['float32'])).toBe(false);
    expect(fits('linearMany', ['float32', 'float16', 'bfloat16', 'float16'])).toBe(false);
    expect(fits('linearMany', ['float32', 'float16', 'float16', 'float32', 'bfloat16'])).toBe(false);
  });

  it('says which argument does not fit', () => {
    expect(signatureMismatch(OP_SIGNATURES.rmsNorm, ['float16', 'float32'])).toBe('x is float16; expected float32');
    expect(signatureMismatch(OP_SIGNATURES.linearSiluMul, ['float32', 'float16', 'bfloat16'])).toBe("up is bfloat16; it must have gate's dtype (float16)");
    expect(signatureMismatch(OP_SIGNATURES.linearMany, ['float32', 'float16', 'int32'])).toBe('weights[1] is int32; expected float32, float16 or bfloat16');
    expect(signatureMismatch(OP_SIGNATURES.linearSiluMul, ['float32', 'float16', 'float16', 'float16'])).toBe('gateBias and upBias must be given together');
  });

  it('withSignatures replaces the rows a backend overrides and keeps the rest', () => {
    const table = withSignatures({ kvWrite: { names: ['cache', 'src'], required: [['float32', 'float16'], ['float32']] } });
    expect(signatureMismatch(table.kvWrite, ['float16', 'float32'])).toBeNull();
    expect(signatureMismatch(OP_SIGNATURES.kvWrite, ['float16', 'float32'])).not.toBeNull();
    expect(table.linear).toBe(OP_SIGNATURES.linear);
  });
});

describe('narrowBlockSignatures', () => {
  it('keeps the float weights and only the block formats named', () => {
    const rows = narrowBlockSignatures(['q8_0']);
    expect(signatureMismatch(rows.linear!, ['float32', 'q8_0'])).toBeNull();
    expect(signatureMismatch(rows.linear!, ['float32', 'float16'])).toBeNull();
    expect(signatureMismatch(rows.linear!, ['float32', 'q4_k'])).toBe('weight is q4_k; expected float32, float16, bfloat16 or q8_0');
    expect(signatureMismatch(rows.linearMany!, ['float32', 'q8_0', 'q8_0'])).toBeNull();
    expect(signatureMismatch(rows.embedding!, ['q6_k', 'int32'])).toMatch(/weight is q6_k/);
  });
});
