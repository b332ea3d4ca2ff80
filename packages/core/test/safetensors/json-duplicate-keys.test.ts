import { describe, expect, it } from 'vitest';
import { findDuplicateJsonKey } from '../../src/safetensors/json-duplicate-keys.js';

describe('findDuplicateJsonKey', () => {
  it('finds duplicates at any depth and reports where', () => {
    expect(findDuplicateJsonKey('{"a":1,"b":2,"a":3}')).toEqual({ key: 'a', path: [] });
    expect(findDuplicateJsonKey('{"x":{"k":1,"k":2}}')).toEqual({ key: 'k', path: ['x'] });
    expect(findDuplicateJsonKey('{"x":[{"k":1},{"k":2,"j":[1,{"q":0,"q":1}]}]}')).toEqual({ key: 'q', path: ['x', 'j'] });
    expect(findDuplicateJsonKey('{"\\u00e9":1,"é":2}')).toEqual({ key: 'é', path: [] });
  });
  it('is not fooled by keys in strings, escapes or equal keys in sibling objects', () => {
    expect(findDuplicateJsonKey('{"a":"\\"a\\":","b":{"a":1},"c":{"a":2}}')).toBeUndefined();
    expect(findDuplicateJsonKey('{"a\\\\":1,"a":2}')).toBeUndefined();
    expect(findDuplicateJsonKey('{"a":"a","b":"a"}')).toBeUndefined();
    expect(findDuplicateJsonKey('[{"a":1},{"a":1}]')).toBeUndefined();
  });
});
