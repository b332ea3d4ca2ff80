import { readFileSync } from 'node:fs';
import { FileFormatError } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { parseSentencePieceModel, PieceType } from './model.js';

describe('parseSentencePieceModel', () => {
  const bytes = new Uint8Array(readFileSync(fixture('tokenizers', 'llama2', 'tokenizer.model')));
  it('reads Llama 2: 32000 pieces, BPE, byte fallback, identity normalizer with a dummy prefix', () => {
    const m = parseSentencePieceModel(bytes);
    expect(m.pieces.length).toBe(32000);
    expect(m.pieces[0]).toEqual({ piece: '<unk>', score: 0, type: PieceType.UNKNOWN });
    expect(m.pieces[1]!.type).toBe(PieceType.CONTROL);
    expect(m.pieces[3]).toEqual({ piece: '<0x00>', score: 0, type: PieceType.BYTE });
    expect(m.trainer_spec.model_type).toBe('BPE');
    expect(m.trainer_spec.byte_fallback).toBe(true);
    expect(m.normalizer_spec.name).toBe('identity');
    expect(m.normalizer_spec.add_dummy_prefix).toBe(true);
    expect(m.normalizer_spec.remove_extra_whitespaces).toBe(false);
  });
  it('a truncated or foreign file is a FileFormatError naming the file', () => {
    expect(() => parseSentencePieceModel(bytes.subarray(0, 1000), 'x/tokenizer.model')).toThrow(FileFormatError);
    expect(() => parseSentencePieceModel(bytes.subarray(0, 1000), 'x/tokenizer.model')).toThrow(/x\/tokenizer.model/);
    expect(() => parseSentencePieceModel(new TextEncoder().encode('IQ== 0\nIg== 1\n'))).toThrow(FileFormatError);
    expect(() => parseSentencePieceModel(new Uint8Array(0))).toThrow(/no pieces/);
  });
});
