// tokenizerFromGguf on small hand-made vocabularies, and its refusals. The fixture tokenizers, written as GGUF
// metadata by @cria/convert, are checked in test/parity/test/tokenizer-gguf.test.ts.
import { FileFormatError, type GgufMetadata, gguf } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { LlamaTokenizerFast } from '../llama-fast.js';
import { PreTrainedTokenizerFast } from '../fast.js';
import { ggufTokenizerParts, tokenizerFromGguf } from './from-gguf.js';

const FILE = 'model.gguf';

/** A tiny SentencePiece vocabulary: specials, byte pieces for 'A' and '\n', '▁', letters and merged pieces. */
function spmMetadata(): GgufMetadata {
  const pieces: [string, number, number][] = [
    ['<unk>', 0, 2],
    ['<s>', 0, 3],
    ['</s>', 0, 3],
    ['<0x0A>', 0, 6],
    ['<0x41>', 0, 6],
    ['▁a', -1, 1],
    ['ab', -2, 1],
    ['▁ab', -3, 1],
    ['▁', -4, 1],
    ['a', -5, 1],
    ['b', -6, 1],
  ];
  return new Map([
    ['tokenizer.ggml.model', gguf.string('llama')],
    ['tokenizer.ggml.pre', gguf.string('default')],
    ['tokenizer.ggml.tokens', gguf.array('string', pieces.map((p) => p[0]))],
    ['tokenizer.ggml.scores', gguf.array('float32', Float32Array.from(pieces.map((p) => p[1])))],
    ['tokenizer.ggml.token_type', gguf.array('int32', Int32Array.from(pieces.map((p) => p[2])))],
    ['tokenizer.ggml.bos_token_id', gguf.uint32(1)],
    ['tokenizer.ggml.eos_token_id', gguf.uint32(2)],
    ['tokenizer.ggml.unknown_token_id', gguf.uint32(0)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.string("{% for m in messages %}{{ bos_token }}[{{ m['role'] }}] {{ m['content'] }}{{ eos_token }}{% endfor %}")],
  ]);
}

/** A tiny byte-level vocabulary with the Llama 3 pre-tokenizer: letters, 'Ġ' (space), merges, two control tokens. */
function bpeMetadata(): GgufMetadata {
  const tokens = ['a', 'b', 'Ġ', 'ab', 'Ġa', 'Ġab', '<|begin|>', '<|end|>', '<tag>'];
  const types = [1, 1, 1, 1, 1, 1, 3, 3, 4];
  return new Map([
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string('llama-bpe')],
    ['tokenizer.ggml.tokens', gguf.array('string', tokens)],
    ['tokenizer.ggml.token_type', gguf.array('int32', Int32Array.from(types))],
    ['tokenizer.ggml.merges', gguf.array('string', ['a b', 'Ġ a', 'Ġa b'])],
    ['tokenizer.ggml.bos_token_id', gguf.uint32(6)],
    ['tokenizer.ggml.eos_token_id', gguf.uint32(7)],
    ['tokenizer.ggml.padding_token_id', gguf.uint32(7)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
  ]);
}

const edit = (m: GgufMetadata, changes: Record<string, ReturnType<typeof gguf.bool> | null>): GgufMetadata => {
  const out = new Map(m);
  for (const [k, v] of Object.entries(changes)) (v === null ? out.delete(k) : out.set(k, v));
  return out;
};

/** The FileFormatError that building from `m` throws. */
function refusal(m: GgufMetadata): FileFormatError {
  try {
    tokenizerFromGguf(m, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(FILE);
    return error as FileFormatError;
  }
  throw new Error('expected a FileFormatError');
}

describe("tokenizerFromGguf: a 'llama' (SentencePiece) vocabulary", () => {
  it('builds a LlamaTokenizerFast with the legacy layout, bos added, byte fallback', () => {
    const tok = tokenizerFromGguf(spmMetadata(), FILE);
    expect(tok).toBeInstanceOf(LlamaTokenizerFast);
    expect([tok.bos_token, tok.eos_token, tok.unk_token, tok.pad_token]).toEqual(['<s>', '</s>', '<unk>', null]);
    expect(tok.encode('ab a')).toEqual([1, 7, 5]);
    expect(tok.tokenize('ab a')).toEqual(['▁ab', '▁a']);
    expect(tok.encode('A\nc', { add_special_tokens: false })).toEqual([8, 4, 3, 0]);
    expect(tok.decode([1, 7, 5, 2])).toBe('<s> ab a</s>');
    expect(tok.decode([1, 7, 5, 2], { skip_special_tokens: true })).toBe('ab a');
    expect(tok.decode(tok.encode('A\nab'), { skip_special_tokens: true })).toBe('A\nab');
    const json = ggufTokenizerParts(spmMetadata(), FILE).tokenizer_json;
    expect(json.normalizer).toEqual({ type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] });
    expect(json.added_tokens!.map((t) => [t.id, t.content, t.special])).toEqual([[0, '<unk>', true], [1, '<s>', true], [2, '</s>', true]]);
  });

  it('applies the chat template with the special tokens', () => {
    const tok = tokenizerFromGguf(spmMetadata(), FILE);
    expect(tok.apply_chat_template([{ role: 'user', content: 'ab' }], { tokenize: false })).toBe('<s>[user] ab</s>');
  });

  it('add_space_prefix false, add_eos true, no add_bos key (llama.cpp default: true)', () => {
    const tok = tokenizerFromGguf(edit(spmMetadata(), { 'tokenizer.ggml.add_space_prefix': gguf.bool(false), 'tokenizer.ggml.add_eos_token': gguf.bool(true), 'tokenizer.ggml.add_bos_token': null }), FILE);
    expect(tok.encode('ab a')).toEqual([1, 6, 5, 2]);
    expect(tok.decode(tok.encode('ab a'), { skip_special_tokens: true })).toBe('ab a');
  });

  it('without token_type or special ids: llama.cpp defaults (bos 1, eos 2, unk 0), those ids special', () => {
    const m = edit(spmMetadata(), { 'tokenizer.ggml.token_type': null, 'tokenizer.ggml.bos_token_id': null, 'tokenizer.ggml.eos_token_id': null, 'tokenizer.ggml.unknown_token_id': null, 'tokenizer.ggml.pre': null });
    const tok = tokenizerFromGguf(m, FILE);
    expect([tok.bos_token_id, tok.eos_token_id, tok.unk_token_id]).toEqual([1, 2, 0]);
    expect(tok.encode('ab a')).toEqual([1, 7, 5]);
    expect(tok.decode([1, 7, 2], { skip_special_tokens: true })).toBe('ab');
  });

  it('named chat templates become a dict, the unnamed one its default', () => {
    const m = edit(spmMetadata(), {
      'tokenizer.chat_templates': gguf.array('string', ['tool_use']),
      'tokenizer.chat_template.tool_use': gguf.string('tools {{ messages[0].content }}'),
    });
    const tok = tokenizerFromGguf(m, FILE);
    expect(Object.keys(tok.chat_template as Record<string, string>)).toEqual(['default', 'tool_use']);
    expect(tok.apply_chat_template([{ role: 'user', content: 'b' }], { tokenize: false, chat_template: 'tool_use' })).toBe('tools b');
  });
});

describe("tokenizerFromGguf: a 'gpt2' vocabulary with Llama 3's pre-tokenizer", () => {
  it('builds a PreTrainedTokenizerFast: byte-level BPE, ignore_merges, control tokens special, bos added', () => {
    const tok = tokenizerFromGguf(bpeMetadata(), FILE);
    expect(tok).toBeInstanceOf(PreTrainedTokenizerFast);
    expect([tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token]).toEqual(['<|begin|>', '<|end|>', '<|end|>', null]);
    expect(tok.encode('ab ab a')).toEqual([6, 3, 5, 4]);
    expect(tok.encode('ab<|end|><tag>b', { add_special_tokens: false })).toEqual([3, 7, 8, 1]);
    expect(tok.decode([6, 3, 5, 7, 8])).toBe('<|begin|>ab ab<|end|><tag>');
    expect(tok.decode([6, 3, 5, 7, 8], { skip_special_tokens: true })).toBe('ab ab<tag>');
    const json = ggufTokenizerParts(bpeMetadata(), FILE).tokenizer_json;
    expect(json.model).toMatchObject({ type: 'BPE', ignore_merges: true, byte_fallback: false, merges: ['a b', 'Ġ a', 'Ġa b'] });
    expect(Object.keys(json.model.vocab as object)).toEqual(['a', 'b', 'Ġ', 'ab', 'Ġa', 'Ġab']);
    expect(tok('ab', { padding: 'max_length', max_length: 4 }).input_ids).toEqual([6, 3, 7, 7]);
  });

  it('llama.cpp\'s other names of the pre-tokenizer, add_bos false, add_eos true', () => {
    const tok = tokenizerFromGguf(edit(bpeMetadata(), { 'tokenizer.ggml.pre': gguf.string('llama3'), 'tokenizer.ggml.add_bos_token': gguf.bool(false), 'tokenizer.ggml.add_eos_token': gguf.bool(true) }), FILE);
    expect(tok.encode('ab')).toEqual([3, 7]);
  });
});

describe('tokenizerFromGguf refusals: FileFormatError naming the file, the key and what is supported', () => {
  it('unsupported tokenizer.ggml.model', () => {
    for (const model of ['bert', 't5', 'rwkv', 'none']) {
      const e = refusal(edit(spmMetadata(), { 'tokenizer.ggml.model': gguf.string(model) }));
      expect(e.message).toContain(`tokenizer.ggml.model is '${model}'`);
      expect(e.message).toMatch(/'llama'.*'gpt2'/);
    }
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.model': null })).message).toMatch(/^model\.gguf: tokenizer\.ggml\.model is missing; supported: 'llama', 'gpt2'/);
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.model': gguf.string(new Uint8Array([0xff])) })).message).toContain('tokenizer.ggml.model is not valid UTF-8');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.model': gguf.uint32(1) })).message).toContain('tokenizer.ggml.model must be a string, got uint32');
  });

  it('unknown tokenizer.ggml.pre', () => {
    for (const pre of ['default', 'qwen2', 'gpt-2', 'falcon']) {
      const e = refusal(edit(bpeMetadata(), { 'tokenizer.ggml.pre': gguf.string(pre) }));
      expect(e.message).toContain(`tokenizer.ggml.pre is '${pre}'`);
      expect(e.message).toContain("'llama-bpe', 'llama3', 'llama-v3'");
    }
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.pre': null })).message).toContain('tokenizer.ggml.pre is missing');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.pre': gguf.string('llama-bpe') })).message).toContain("tokenizer.ggml.pre is 'llama-bpe'; a 'llama' (SentencePiece) vocabulary");
  });

  it('missing or malformed tokens, scores, merges, token types', () => {
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.tokens': null })).message).toContain('tokenizer.ggml.tokens is missing');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.tokens': null })).message).toContain('tokenizer.ggml.tokens is missing');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.tokens': gguf.array('string', []) })).message).toContain('tokenizer.ggml.tokens is empty');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.tokens': gguf.array('int32', [1, 2]) })).message).toContain('tokenizer.ggml.tokens must be an array of strings, got an array of int32');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.tokens': gguf.string('a') })).message).toContain('tokenizer.ggml.tokens must be an array of strings, got a single string');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.tokens': gguf.array('string', ['a', new Uint8Array([0xc3]), 'ab']) })).message).toContain('tokenizer.ggml.tokens[1] is not valid UTF-8');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.scores': null })).message).toContain('tokenizer.ggml.scores is missing');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.scores': gguf.array('float32', [0, 1]) })).message).toContain('tokenizer.ggml.scores has 2 entries for the 11 tokens');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.scores': gguf.array('string', ['x']) })).message).toContain('tokenizer.ggml.scores must be an array of numbers');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.merges': null })).message).toContain('tokenizer.ggml.merges is missing');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.merges': gguf.array('string', ['a b', 'ab']) })).message).toContain('tokenizer.ggml.merges[1] must be "left right"');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.merges': gguf.array('string', ['b a']) })).message).toContain('tokenizer.ggml.merges[0] ("b a") needs the token "ba"');
    const types = Int32Array.from([2, 3, 3, 6, 6, 1, 1, 1, 9, 1, 1]);
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.token_type': gguf.array('int32', types) })).message).toContain('tokenizer.ggml.token_type[8] is 9; token types are 1 (normal)');
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.token_type': gguf.array('float32', [1]) })).message).toContain('tokenizer.ggml.token_type must be an array of integers');
  });

  it('special token ids outside the vocabulary, flags of the wrong type', () => {
    expect(refusal(edit(spmMetadata(), { 'tokenizer.ggml.bos_token_id': gguf.uint32(11) })).message).toContain('tokenizer.ggml.bos_token_id is 11, outside the 11 tokens');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.padding_token_id': gguf.string('x') })).message).toContain('tokenizer.ggml.padding_token_id must be an integer token id, got string');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.add_bos_token': gguf.uint8(1) })).message).toContain('tokenizer.ggml.add_bos_token must be a bool, got uint8');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.ggml.bos_token_id': null })).message).toContain('tokenizer.ggml.add_bos_token is true but the file has no tokenizer.ggml.bos_token_id');
    expect(refusal(edit(bpeMetadata(), { 'tokenizer.chat_templates': gguf.array('string', ['rag']) })).message).toContain("tokenizer.chat_templates names 'rag' but tokenizer.chat_template.rag is missing");
  });

  it('64-bit ids (bigint) are read', () => {
    const tok = tokenizerFromGguf(edit(bpeMetadata(), { 'tokenizer.ggml.bos_token_id': gguf.uint64(6n) }), FILE);
    expect(tok.bos_token_id).toBe(6);
  });
});
