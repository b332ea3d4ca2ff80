import { FileFormatError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { looksLikeTiktoken, parseTiktoken } from './parse.js';
import { llama3SpecialTokens } from './special-tokens.js';

describe('parseTiktoken', () => {
  it('reads base64 rank lines', () => {
    expect(parseTiktoken('IQ== 0\nSGk= 1\n')).toEqual([
      { bytes: new Uint8Array([33]), rank: 0 },
      { bytes: new Uint8Array([72, 105]), rank: 1 },
    ]);
    expect(looksLikeTiktoken(new TextEncoder().encode('IQ== 0\n'))).toBe(true);
  });
  it('names the line of a malformed entry or a repeated rank', () => {
    expect(() => parseTiktoken('IQ== 0\nnot a line\n', 'm/tokenizer.model')).toThrow(/m\/tokenizer.model: line 2/);
    expect(() => parseTiktoken('IQ== 0\nIg== 0\n')).toThrow(FileFormatError);
    expect(() => parseTiktoken('')).toThrow(/no "base64 rank" lines/);
  });
  it('names 256 special tokens per version, as Meta does', () => {
    const v3 = llama3SpecialTokens('3');
    const v31 = llama3SpecialTokens('3.1');
    expect(v3.length).toBe(256);
    expect(v31.length).toBe(256);
    expect(v3[9]).toBe('<|eot_id|>');
    expect(v31.slice(4, 11)).toEqual(['<|finetune_right_pad_id|>', '<|reserved_special_token_2|>', '<|start_header_id|>', '<|end_header_id|>', '<|eom_id|>', '<|eot_id|>', '<|python_tag|>']);
    expect(v31[255]).toBe('<|reserved_special_token_247|>');
    expect(new Set(v31).size).toBe(256);
  });
});
