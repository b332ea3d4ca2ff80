import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors, serializeSafetensors } from '../../src/index.js';
import { compareCodePoints } from '../../src/safetensors/code-point-order.js';
import { pythonJsonDumps } from '../../src/safetensors/python-json.js';
import { headerOf } from '../helpers.js';

describe('text order and escaping as Rust and Python write them', () => {
  it('compareCodePoints orders by code point (UTF-8 byte order), not UTF-16 units', () => {
    const names = ['😀', '\uffff', 'a', 'é', 'B'];
    expect([...names].sort(compareCodePoints)).toEqual(['B', 'a', 'é', '\uffff', '😀']);
    // The same order as comparing UTF-8 bytes.
    const utf8 = (s: string) => Buffer.from(s, 'utf8');
    expect([...names].sort((x, y) => Buffer.compare(utf8(x), utf8(y)))).toEqual([...names].sort(compareCodePoints));
  });

  it('pythonJsonDumps escapes as json.dumps(ensure_ascii=True) does', () => {
    expect(pythonJsonDumps({ b: 1, a: ['é', '😀', '\u007f', 'tab\t"q"\\'] })).toBe(
      '{\n  "a": [\n    "\\u00e9",\n    "\\ud83d\\ude00",\n    "\\u007f",\n    "tab\\t\\"q\\"\\\\"\n  ],\n  "b": 1\n}',
    );
    expect(pythonJsonDumps({ e: {}, l: [] })).toBe('{\n  "e": {},\n  "l": []\n}');
  });

  it('non-ASCII tensor names round-trip and are ordered by code point in the header', async () => {
    const names = ['😀.weight', '\uffff', 'b', 'é'];
    const tensors = Object.fromEntries(names.map((n, i) => [n, { dtype: 'float32' as const, shape: [1], data: new Float32Array([i]) }]));
    const bytes = serializeSafetensors(tensors);
    expect(Object.keys(headerOf(bytes).json)).toEqual(['__metadata__', 'b', 'é', '\uffff', '😀.weight']);
    const checkpoint = await openSafetensors(bytesSource(bytes, 'names.safetensors'));
    for (const [i, n] of names.entries()) expect(Array.from(await (await checkpoint.get(n)).toFloat32())).toEqual([i]);
    await checkpoint.close();
  });
});
