// GGUF tokenizer metadata, both ways: @cria/convert's addLlamaVocab writes a fixture folder's tokenizer as the
// tokenizer.ggml.* keys (as convert_hf_to_gguf.py does), @cria/tokenizer's tokenizerFromGguf builds a tokenizer from
// them, and that tokenizer must be the folder's: the same tokenizer.json, and the same ids, tokens and decoded text
// on every text of the fixture vector files (with and without special tokens), the same chat template renderings,
// and the expected values of those files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addLlamaVocab, type LlamaTokenizerFiles, writeGguf } from '@cria/convert';
import { fileSource, type GgufMetadata, type GgufValue, readGguf } from '@cria/core';
import { fixture } from '@cria/core/testing';
import {
  AutoTokenizer,
  type ChatMessage,
  ggufTokenizerParts,
  LlamaTokenizerFast,
  llama3SpecialTokens,
  PreTrainedTokenizerFast,
  type PreTrainedTokenizer,
  type TokenizerJson,
  tokenizerFromGguf,
} from '@cria/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';

type Name = 'llama2' | 'llama3' | 'tok512';
type Json = Record<string, unknown>;

const vectors = <T>(file: string): T => JSON.parse(readFileSync(fixture('tokenizers', 'vectors', file), 'utf8')) as T;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** A fixture folder's tokenizer files, as readLlamaGgufSource reads them. */
function tokenizerFiles(name: Name): LlamaTokenizerFiles {
  const dir = fixture('tokenizers', name);
  const files: LlamaTokenizerFiles = {};
  const at = (f: string) => join(dir, f);
  try {
    files['tokenizer.model'] = new Uint8Array(readFileSync(at('tokenizer.model')));
  } catch {
    /* no tokenizer.model */
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json'] as const) {
    try {
      files[f] = readJson(at(f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

/** Numeric arrays as a GGUF reader returns them (typed arrays), strings as they are. */
function asRead(m: GgufMetadata): GgufMetadata {
  const out: GgufMetadata = new Map();
  for (const [key, v] of m) {
    let value: GgufValue = v;
    if (v.type === 'array' && v.itemType === 'float32') value = { ...v, values: Float32Array.from(v.values as ArrayLike<number>) };
    else if (v.type === 'array' && v.itemType === 'int32') value = { ...v, values: Int32Array.from(v.values as ArrayLike<number>) };
    out.set(key, value);
  }
  return out;
}

/** The tokenizer.ggml.* metadata addLlamaVocab writes for a fixture folder (config.json: none, vocab_size: the tokenizer's). */
function ggufOf(name: Name, vocabSize: number, config: Json = {}): GgufMetadata {
  const m: GgufMetadata = new Map();
  addLlamaVocab(m, tokenizerFiles(name), config, vocabSize);
  return asRead(m);
}

// ---- every text of the vector files ----

interface HfEncode { text: string; ids: number[]; ids_no_special: number[]; tokens: string[]; decoded: string; decoded_with_special: string }
interface HfDecode { ids: number[]; decoded: string; decoded_skip_special: string }
type HfSet = { encode: HfEncode[]; decode: HfDecode[] };
const hf = vectors<{ sets: Record<'llama2' | 'llama3', HfSet> }>('hf-tokenizers.json').sets;
const spm = vectors<{ text: string; ids_no_special: number[] }[]>('llama.cpp-llama-spm.json');
const bpe = vectors<{ text: string; ids_no_special: number[] }[]>('llama.cpp-llama-bpe.json');
const tf = vectors<Record<string, unknown>>('transformers-tests.json');
type JsCase = { op: string; args: unknown[]; result: unknown };
const ltjs = vectors<JsCase[]>('llama-tokenizer-js.json');
const l3js = vectors<JsCase[]>('llama3-tokenizer-js.json');
const llama2c = vectors<{ cases: { text: string; ids_with_bos: number[] }[] }>('llama2c-test-c.json').cases;
type ChatCase = { tokenizer: 'llama2' | 'llama3'; messages: ChatMessage[]; add_generation_prompt: boolean; rendered?: string; ids?: number[]; error?: string };
const chats = vectors<{ cases: ChatCase[] }>('chat-templates.json').cases;

const TEXTS: string[] = [
  ...new Set([
    ...hf.llama2.encode.map((e) => e.text),
    ...hf.llama3.encode.map((e) => e.text),
    ...spm.map((c) => c.text),
    ...bpe.map((c) => c.text),
    ...Object.entries(tf).flatMap(([k, v]) => (k === 'source' || !Array.isArray(v) ? [] : (v as { text?: unknown }[]).map((c) => c.text).filter((t): t is string => typeof t === 'string'))),
    ...[...ltjs, ...l3js].filter((c) => c.op !== 'decode').map((c) => c.args[0] as string),
    ...llama2c.map((c) => c.text),
    ...chats.flatMap((c) => (c.rendered === undefined ? [] : [c.rendered])),
  ]),
];
/** Every id sequence of the vector files' decode cases. */
const ID_SEQUENCES: Record<'llama2' | 'llama3', number[][]> = {
  llama2: [...hf.llama2.decode.map((d) => d.ids), ...ltjs.filter((c) => c.op === 'decode').map((c) => c.args[0] as number[]), ...(tf.decode as { ids: number[] }[]).map((d) => d.ids)],
  llama3: [...hf.llama3.decode.map((d) => d.ids), ...l3js.filter((c) => c.op === 'decode').map((c) => c.args[0] as number[])],
};

const noClean = { clean_up_tokenization_spaces: false };

/** Texts on which the two tokenizers disagree: ids with and without special tokens, tokens, or decoding either. */
function differences(gguf: PreTrainedTokenizer, ref: PreTrainedTokenizer, texts: readonly string[]): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const text of texts) {
    const ids = ref.encode(text);
    const plain = ref.encode(text, { add_special_tokens: false });
    const ok =
      same(gguf.encode(text), ids) &&
      same(gguf.encode(text, { add_special_tokens: false }), plain) &&
      same(gguf.tokenize(text), ref.tokenize(text)) &&
      gguf.decode(ids, noClean) === ref.decode(ids, noClean) &&
      gguf.decode(ids, { skip_special_tokens: true, ...noClean }) === ref.decode(ids, { skip_special_tokens: true, ...noClean }) &&
      gguf.decode(plain, noClean) === ref.decode(plain, noClean);
    if (!ok) out.push(text);
  }
  return out;
}

describe.each(['llama2', 'llama3'] as const)('%s: tokenizer.ggml.* from addLlamaVocab -> tokenizerFromGguf', (name) => {
  let ref: PreTrainedTokenizer;
  let gguf: PreTrainedTokenizerFast;
  let metadata: GgufMetadata;
  beforeAll(async () => {
    ref = await AutoTokenizer.from_pretrained(fixture('tokenizers', name));
    metadata = ggufOf(name, ref.vocab_size);
    gguf = tokenizerFromGguf(metadata, `${name}.gguf`);
  });

  it('is the class, special tokens, size and chat template of the folder', () => {
    expect(metadata.get('tokenizer.ggml.model')?.type).toBe('string');
    expect(gguf).toBeInstanceOf(name === 'llama2' ? LlamaTokenizerFast : PreTrainedTokenizerFast);
    expect(gguf.vocab_size).toBe(ref.vocab_size);
    for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'bos_token_id', 'eos_token_id', 'unk_token_id', 'pad_token_id', 'all_special_ids', 'chat_template'] as const) {
      expect(gguf[key], key).toEqual(ref[key]);
    }
    expect(gguf.get_vocab()).toEqual(ref.get_vocab());
    expect(gguf.added_tokens_decoder).toEqual(ref.added_tokens_decoder);
  });

  it("builds the folder's tokenizer.json (every component, vocab and merges)", () => {
    const mine = ggufTokenizerParts(metadata, `${name}.gguf`).tokenizer_json;
    const own = readJson(fixture('tokenizers', name, 'tokenizer.json')) as unknown as TokenizerJson;
    const { model: m, ...rest } = mine;
    const { model: refModel, ...refRest } = own;
    expect(rest).toEqual(refRest);
    const { vocab, merges, ...fields } = m as { vocab: Json; merges: unknown[] };
    const { vocab: refVocab, merges: refMerges, ...refFields } = refModel as { vocab: Json; merges: unknown[] };
    expect(fields).toEqual(refFields);
    expect(new Map(Object.entries(vocab))).toEqual(new Map(Object.entries(refVocab)));
    expect(merges.length).toBe(refMerges.length);
    expect(merges.findIndex((x, i) => JSON.stringify(x) !== JSON.stringify(refMerges[i]))).toBe(-1);
  });

  it(`gives the folder tokenizer's ids, tokens and decoded text on every text of the vector files (${TEXTS.length})`, () => {
    expect(differences(gguf, ref, TEXTS)).toEqual([]);
  });

  it("reads the same tokenizer back from a GGUF file (convert's writer, core's reader)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-tokenizer-gguf-'));
    try {
      const path = join(dir, `${name}.gguf`);
      await writeGguf(path, metadata, []);
      const source = await fileSource(path);
      try {
        const file = await readGguf(source);
        const fromFile = tokenizerFromGguf(file.metadata, file.file);
        expect(differences(fromFile, ref, hf[name].encode.map((e) => e.text))).toEqual([]);
        expect(fromFile.chat_template).toEqual(ref.chat_template);
      } finally {
        await source.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes every id sequence of the vector files as the folder tokenizer does', () => {
    const differ = ID_SEQUENCES[name].filter(
      (ids) => gguf.decode(ids, noClean) !== ref.decode(ids, noClean) || gguf.decode(ids, { skip_special_tokens: true, ...noClean }) !== ref.decode(ids, { skip_special_tokens: true, ...noClean }),
    );
    expect(differ).toEqual([]);
  });

  it('matches hf-tokenizers.json (encode with and without special tokens, tokens, decode both ways)', () => {
    for (const e of hf[name].encode) {
      expect(gguf.encode(e.text), e.text).toEqual(e.ids);
      expect(gguf.encode(e.text, { add_special_tokens: false }), e.text).toEqual(e.ids_no_special);
      expect(gguf.tokenize(e.text), e.text).toEqual(e.tokens);
      expect(gguf.decode(e.ids, { skip_special_tokens: true, ...noClean }), e.text).toBe(e.decoded);
      expect(gguf.decode(e.ids, noClean), e.text).toBe(e.decoded_with_special);
    }
    for (const d of hf[name].decode) {
      expect(gguf.decode(d.ids, noClean)).toBe(d.decoded);
      expect(gguf.decode(d.ids, { skip_special_tokens: true, ...noClean })).toBe(d.decoded_skip_special);
    }
  });

  it(`matches llama.cpp's tokenizer test (${name === 'llama2' ? 'llama-spm' : 'llama-bpe'})`, () => {
    for (const c of name === 'llama2' ? spm : bpe) expect(gguf.encode(c.text, { add_special_tokens: false }), c.text).toEqual(c.ids_no_special);
  });

  it('renders and tokenizes chat-templates.json as transformers does', () => {
    const mine = chats.filter((c) => c.tokenizer === name);
    expect(mine.length).toBeGreaterThan(0);
    for (const c of mine) {
      const opts = { add_generation_prompt: c.add_generation_prompt };
      if (c.error !== undefined) {
        expect(() => gguf.apply_chat_template(c.messages, opts)).toThrow(c.error);
        continue;
      }
      expect(gguf.apply_chat_template(c.messages, { ...opts, tokenize: false })).toBe(c.rendered);
      expect(gguf.apply_chat_template(c.messages, opts)).toEqual(c.ids);
    }
  });

  if (name === 'llama2') {
    it('matches llama2c-test-c.json, transformers-tests.json (legacy, decode, add_eos_token) and llama-tokenizer-js.json', () => {
      for (const c of llama2c) expect(gguf.encode(c.text), c.text).toEqual(c.ids_with_bos);
      for (const c of tf.legacy_default_llama2_tokenizer_with_bos as { text: string; ids: number[] }[]) expect(gguf.encode(c.text)).toEqual(c.ids);
      for (const c of tf.decode as { ids: number[]; text: string; skip_special_tokens?: boolean }[]) {
        expect(gguf.decode(c.ids, { skip_special_tokens: c.skip_special_tokens ?? false })).toBe(c.text);
      }
      for (const c of ltjs) {
        if (c.op === 'encode') {
          const [text, addBos] = c.args as [string, boolean];
          expect(gguf.encode(text, { add_special_tokens: addBos })).toEqual(c.result);
        } else {
          const [ids, addBos = true, addPrecedingSpace = true] = c.args as [number[], boolean?, boolean?];
          expect(gguf.decode(ids, { skip_special_tokens: addBos })).toBe(addPrecedingSpace ? (c.result as string) : (c.result as string).replace(/^ /, ''));
        }
      }
    });

    it('add_bos_token / add_eos_token flags (transformers-tests.json add_eos_token)', () => {
      for (const c of tf.add_eos_token as { text: string; add_bos: boolean; add_eos: boolean; ids: number[] }[]) {
        const m = new Map(metadata);
        m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: c.add_bos });
        m.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: c.add_eos });
        expect(tokenizerFromGguf(m, 'x.gguf').encode(c.text)).toEqual(c.ids);
      }
    });

    it('a vocabulary padded past the model (config vocab_size) tokenizes the same; the [PADi] ids are unused pieces', () => {
      const padded = tokenizerFromGguf(ggufOf('llama2', 32016), 'padded.gguf');
      expect(padded.vocab_size).toBe(32016);
      expect(padded.convert_ids_to_tokens(32015)).toBe('[PAD32015]');
      expect(differences(padded, ref, TEXTS)).toEqual([]);
    });

    it('plain number arrays (as addLlamaVocab writes them, before a file) build the same tokenizer', () => {
      const m: GgufMetadata = new Map();
      addLlamaVocab(m, tokenizerFiles('llama2'), {}, 32000);
      const plain = tokenizerFromGguf(m, 'plain.gguf');
      expect(differences(plain, ref, hf.llama2.encode.map((e) => e.text))).toEqual([]);
    });
  } else {
    it('matches transformers-tests.json llama3_tiktoken and llama3-tokenizer-js.json (cases naming tokens Llama 3 and 3.1 name alike)', () => {
      for (const c of tf.llama3_tiktoken as { text: string; ids_bos_eos: number[] }[]) {
        expect([...gguf.encode(c.text), gguf.convert_tokens_to_ids('<|end_of_text|>')]).toEqual(c.ids_bos_eos);
      }
      // llama3-tokenizer-js names ids 128000-128255 as Llama 3.1 does; the cases that involve a differently named one are left out.
      const v3 = llama3SpecialTokens('3');
      const v31 = llama3SpecialTokens('3.1');
      const renamed = v3.flatMap((t, i) => (t === v31[i] ? [] : [t, v31[i]!]));
      const renamedIds = new Set(v3.flatMap((t, i) => (t === v31[i] ? [] : [128000 + i])));
      let checked = 0;
      for (const c of l3js) {
        if (c.op === 'encode') {
          const [text, opts] = c.args as [string, { bos?: boolean; eos?: boolean } | null];
          if (renamed.some((t) => text.includes(t))) continue;
          const ids = gguf.encode(text, { add_special_tokens: opts?.bos ?? true });
          if (opts?.eos ?? true) ids.push(gguf.convert_tokens_to_ids('<|end_of_text|>'));
          expect(ids, text).toEqual(c.result);
          checked++;
        } else if (c.op === 'decode') {
          const [ids] = c.args as [number[]];
          if (ids.some((id) => renamedIds.has(id))) continue;
          expect(gguf.decode(ids, noClean)).toBe(c.result);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(30);
    });
  }
});

describe('tok512: tokenizer.ggml.* from addLlamaVocab -> tokenizerFromGguf', () => {
  // tok512's SentencePiece model has remove_extra_whitespaces on; GGUF has no key for it in a 'llama' vocabulary
  // (llama.cpp's SentencePiece tokenizer does not collapse whitespace), so the GGUF tokenizer is the folder's
  // without the whitespace normalizers: equal wherever those change nothing (they run on the text between added tokens).
  const collapsesNothing = (text: string) => text.split(/<unk>|<s>|<\/s>/).every((span) => !/^ | $| {2}/.test(span));
  let ref: PreTrainedTokenizer;
  let gguf: PreTrainedTokenizerFast;
  beforeAll(async () => {
    ref = await AutoTokenizer.from_pretrained(fixture('tokenizers', 'tok512'));
    gguf = tokenizerFromGguf(ggufOf('tok512', 512), 'tok512.gguf');
  });

  it('builds tok512/tokenizer.json without its two whitespace Replace normalizers', () => {
    const mine = gguf.toTokenizerJson();
    const own = readJson(fixture('tokenizers', 'tok512', 'tokenizer.json')) as unknown as TokenizerJson & { normalizer: { normalizers: Json[] } };
    expect(own.normalizer.normalizers.slice(0, 2).map((n) => n.type)).toEqual(['Replace', 'Replace']);
    expect(mine).toEqual({ ...own, normalizer: { ...own.normalizer, normalizers: own.normalizer.normalizers.slice(2) } });
  });

  it('gives the folder tokenizer\'s ids, tokens and decoded text on every vector-file text without extra spaces', () => {
    const texts = TEXTS.filter(collapsesNothing);
    expect(texts.length).toBeGreaterThan(350);
    expect(differences(gguf, ref, texts)).toEqual([]);
    expect([gguf.bos_token_id, gguf.eos_token_id, gguf.unk_token_id, gguf.vocab_size]).toEqual([ref.bos_token_id, ref.eos_token_id, ref.unk_token_id, ref.vocab_size]);
  });

  it('differs from the folder tokenizer only where its whitespace normalizers change the text', () => {
    const differ = differences(gguf, ref, TEXTS);
    expect(differ.length).toBeGreaterThan(0);
    expect(differ.filter(collapsesNothing)).toEqual([]);
  });

  it('keeps extra spaces, as llama.cpp does with this file', () => {
    expect(gguf.encode('a  b', { add_special_tokens: false })).not.toEqual(ref.encode('a  b', { add_special_tokens: false }));
    expect(gguf.decode(gguf.encode('a  b'), { skip_special_tokens: true })).toBe('a  b');
  });
});
