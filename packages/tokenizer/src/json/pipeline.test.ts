import { FileFormatError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { TokenizerPipeline } from './pipeline.js';
import type { TokenizerJson } from './types.js';

function tiny(parts: Partial<TokenizerJson> & { model?: Record<string, unknown> }): TokenizerPipeline {
  const vocab: Record<string, number> = {};
  ['[UNK]', 'a', 'b', 'c', 'ab', 'abc', 'h', 'e', 'l', 'o', 'he', 'll', 'hell', 'hello', '▁', '▁a', '1', '2', '3', ' ', 'Ġ', 'Ġa', '##b', '##c', 'a</w>', 'b</w>'].forEach((t, i) => {
    vocab[t] = i;
  });
  const { model, ...rest } = parts;
  return new TokenizerPipeline({
    ...rest,
    model: { type: 'BPE', vocab, merges: ['a b', 'ab c', 'h e', 'l l', 'he ll', 'hell o', '▁ a', 'Ġ a'], unk_token: '[UNK]', ...(model ?? {}) },
  } as TokenizerJson);
}
const tokens = (p: TokenizerPipeline, text: string) => p.encodeText(text).map((id) => p.idToToken(id));

describe('TokenizerPipeline components', () => {
  it('BPE merges in rank order; merges as strings or pairs agree', () => {
    expect(tokens(tiny({}), 'abc')).toEqual(['abc']);
    expect(tokens(tiny({}), 'hello')).toEqual(['hello']);
    const pairs = tiny({ model: { merges: [['a', 'b'], ['ab', 'c']] } });
    expect(tokens(pairs, 'abcab')).toEqual(['abc', 'ab']);
  });
  it('unknown characters become unk, fused when fuse_unk', () => {
    expect(tokens(tiny({}), 'axyb')).toEqual(['a', '[UNK]', '[UNK]', 'b']);
    expect(tokens(tiny({ model: { fuse_unk: true } }), 'axyb')).toEqual(['a', '[UNK]', 'b']);
  });
  it('continuing_subword_prefix and end_of_word_suffix', () => {
    const p = tiny({ model: { merges: [], continuing_subword_prefix: '##' } });
    expect(tokens(p, 'abc')).toEqual(['a', '##b', '##c']);
    const s = tiny({ model: { merges: [], end_of_word_suffix: '</w>' } });
    expect(tokens(s, 'ab')).toEqual(['a', 'b</w>']);
  });
  it('normalizers: Lowercase, NFKC, Strip, Replace, Prepend', () => {
    const p = tiny({ normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }, { type: 'Replace', pattern: { Regex: '[xy]' }, content: 'c' }, { type: 'Prepend', prepend: '▁' }] } });
    // "▁abc": 'a b' (rank 0) and 'ab c' (rank 1) merge before '▁ a' (rank 6) could.
    expect(tokens(p, ' \u3000ＡＢx ')).toEqual(['▁', 'abc']);
  });
  it('pre-tokenizers: Digits, Whitespace, Metaspace, ByteLevel with its regex', () => {
    expect(tokens(tiny({ pre_tokenizer: { type: 'Digits', individual_digits: true }, model: { merges: [] } }), 'a12')).toEqual(['a', '1', '2']);
    expect(tokens(tiny({ pre_tokenizer: { type: 'Whitespace' } }), 'ab  c')).toEqual(['ab', 'c']);
    expect(tokens(tiny({ pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true } }), 'a a')).toEqual(['▁a', '▁a']);
    expect(tokens(tiny({ pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, use_regex: true } }), 'a a')).toEqual(['Ġa', 'Ġa']);
  });
  it('added tokens: lstrip, rstrip, single_word', () => {
    const p = tiny({
      added_tokens: [
        { id: 100, content: '<x>', lstrip: true, rstrip: true, special: true, normalized: false, single_word: false },
        { id: 101, content: 'ab', single_word: true, special: false, normalized: false, lstrip: false, rstrip: false },
      ],
      model: { merges: [] },
    });
    expect(p.encodeText('a  <x>  b')).toEqual([1, 100, 2]);
    expect(p.encodeText('ab abc')).toEqual([101, 19, 1, 2, 3]);
  });
  it('decoders: Metaspace, ByteLevel, ByteFallback with invalid bytes, Strip', () => {
    const meta = tiny({ decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true } });
    expect(meta.decode([15, 15], false)).toBe('a a');
    const bytes = tiny({ decoder: { type: 'ByteLevel' } });
    expect(bytes.decode([21], false)).toBe(' a');
    const vocab: Record<string, number> = { '<0xE2>': 0, '<0x82>': 1, '<0xAC>': 2, x: 3 };
    const fb = new TokenizerPipeline({ model: { type: 'BPE', vocab, merges: [] }, decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: 'x', start: 1, stop: 1 }] } } as TokenizerJson);
    expect(fb.decode([3, 0, 1, 2, 3], false)).toBe('€');
    expect(fb.decode([3, 0, 1, 3, 3], false)).toBe('\ufffd\ufffdx');
  });
  it('an unknown component type is an error naming it and the file', () => {
    expect(() => tiny({ normalizer: { type: 'Precompiled' } })).toThrow(FileFormatError);
    expect(() => tiny({ normalizer: { type: 'Precompiled' } })).toThrow(/tokenizer.json: normalizer: unknown normalizer type "Precompiled"/);
    expect(() => tiny({ pre_tokenizer: { type: 'Bogus' } })).toThrow(/pre_tokenizer type "Bogus"/);
    expect(() => tiny({ decoder: { type: 'Sequence', decoders: [{ type: 'CTC' }] } })).toThrow(/decoder.decoders\[0\]: unknown decoder type "CTC"/);
    expect(() => tiny({ model: { type: 'WordPiece' } })).toThrow(/unknown model type "WordPiece"/);
    expect(() => tiny({ model: { merges: ['a zz'] } })).toThrow(/merges\[0\]/);
  });
});
