// TextStreamer: bounded decode work per token, exactly the final text, never half a character, stop strings;
// generate({ streamer }) with a streamer object or a function.
import { ArgumentError } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { AutoTokenizer, type DecodeOptions, type PreTrainedTokenizer } from '@cria/tokenizer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LlamaForCausalLM, Mulberry32, TextStreamer, pipeline } from '../src/index.js';

const TEXT = [
  'Once upon a time, in a land far away,   there lived a llama 🦙 who loved café au lait.',
  '日本語の文章も、中文的句子也可以。한국어도 됩니다!',
  'Emoji: 😀 👍🏽 👨‍👩‍👧 ✨ — and € 1,234.56 ≠ ∞\n\nNew paragraph:\tTabs, "quotes" and \'apostrophes\'.',
  'Rare characters fall back to bytes: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 ꙮ 𓀀, then plain words again.',
].join('\n');

type Loaded = { name: string; tokenizer: PreTrainedTokenizer };
const tokenizers: Loaded[] = [];
beforeAll(async () => {
  tokenizers.push(
    { name: 'llama2 (tokenizer.json, byte fallback)', tokenizer: await AutoTokenizer.from_pretrained(fixture('tokenizers', 'llama2')) },
    { name: 'llama2 (tokenizer.model, slow)', tokenizer: await AutoTokenizer.from_pretrained(fixture('tokenizers', 'llama2'), { use_fast: false }) },
    { name: 'llama3 (byte-level BPE)', tokenizer: await AutoTokenizer.from_pretrained(fixture('tokenizers', 'llama3')) },
    { name: 'tok512 (slow, remove_extra_whitespaces)', tokenizer: await AutoTokenizer.from_pretrained(fixture('tokenizers', 'tok512'), { use_fast: false }) },
  );
});

/** The tokenizer with decode() wrapped to count the ids handed to it. */
function counting(tokenizer: PreTrainedTokenizer): { tokenizer: PreTrainedTokenizer; decoded: () => number } {
  let decoded = 0;
  const wrapped = Object.create(tokenizer) as PreTrainedTokenizer;
  wrapped.decode = (ids, options?: DecodeOptions) => {
    decoded += (ids as number[]).length;
    return tokenizer.decode(ids, options);
  };
  return { tokenizer: wrapped, decoded: () => decoded };
}

/** Streams `ids` one put() at a time (after an empty prompt) and returns the pieces and the ids decoded per put. */
function stream(tokenizer: PreTrainedTokenizer, ids: number[], options: ConstructorParameters<typeof TextStreamer>[1] = {}, chunk = () => 1) {
  const counted = counting(tokenizer);
  const pieces: string[] = [];
  const perPut: number[] = [];
  const streamer = new TextStreamer(counted.tokenizer, { skip_prompt: true, callback_function: (text) => pieces.push(text), ...options });
  streamer.put([[]]);
  for (let at = 0; at < ids.length; ) {
    const n = Math.min(chunk(), ids.length - at);
    const before = counted.decoded();
    streamer.put([ids.slice(at, at + n)]);
    perPut.push(counted.decoded() - before);
    at += n;
  }
  streamer.end();
  return { pieces, perPut, total: counted.decoded(), streamer };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectWholeCharacters(pieces: string[], final: string): void {
  for (const piece of pieces) {
    expect(LONE_SURROGATE.test(piece), JSON.stringify(piece)).toBe(false);
    if (!final.includes('\uFFFD')) expect(piece, JSON.stringify(piece)).not.toContain('\uFFFD');
  }
}

describe('TextStreamer on the fixtures tokenizers', () => {
  it('a 2,000-token reply: a bounded number of ids decoded per token, exactly the final text, whole characters', () => {
    for (const { name, tokenizer } of tokenizers) {
      let ids: number[] = [];
      while (ids.length < 2000) ids = [...ids, ...tokenizer.encode(TEXT, { add_special_tokens: false })];
      ids = ids.slice(0, 2000);
      const { pieces, perPut, total } = stream(tokenizer, ids);
      const final = tokenizer.decode(ids, { skip_special_tokens: true });
      expect(pieces.join(''), name).toBe(final);
      expectWholeCharacters(pieces, final);
      // Each token decodes a few ids of context and the ids not yet emitted (up to 16 of a byte-fallback
      // run); decoding the reply so far at each token would be 2,000,000 ids in all.
      expect(Math.max(...perPut), name).toBeLessThanOrEqual(40);
      expect(total, name).toBeLessThanOrEqual(12 * ids.length);
    }
  });

  it('byte-fallback runs and emoji split across byte-level pieces come out whole', () => {
    const [fast, , llama3] = tokenizers;
    const emoji = '😀🦙 €';
    const llama2Ids = fast!.tokenizer.encode(emoji, { add_special_tokens: false });
    expect(fast!.tokenizer.convert_ids_to_tokens(llama2Ids).filter((t) => /^<0x[0-9A-F]{2}>$/.test(t)).length).toBeGreaterThanOrEqual(8);
    const llama3Ids = llama3!.tokenizer.encode(emoji, { add_special_tokens: false });
    expect(llama3Ids.some((id) => llama3!.tokenizer.decode([id]).includes('\uFFFD'))).toBe(true); // a piece of a character
    for (const [tokenizer, ids] of [[fast!.tokenizer, llama2Ids], [llama3!.tokenizer, llama3Ids]] as const) {
      const { pieces } = stream(tokenizer, ids);
      expect(pieces.join('')).toBe(tokenizer.decode(ids));
      expectWholeCharacters(pieces, emoji);
      expect(pieces.some((p) => p.includes('😀'))).toBe(true);
    }
  });

  it('random id sequences, special tokens and multi-id puts give exactly decode(all ids), with and without skip_special_tokens', () => {
    // The slow LlamaTokenizer's legacy decoding of special tokens it keeps is not prefix-stable (a space goes
    // in before each, the first piece's dummy space depends on whether any follows): no stream can match it.
    const keepsSpecials = (name: string): boolean => !name.includes('slow');
    const rng = new Mulberry32(14);
    const int = (n: number): number => Math.floor(rng.next() * n);
    for (const { name, tokenizer } of tokenizers) {
      const specials = tokenizer.all_special_ids;
      const chunks = TEXT.split(/(?<=[ \n])/).map((part) => tokenizer.encode(part, { add_special_tokens: false }));
      for (let trial = 0; trial < 30; trial++) {
        const ids: number[] = [];
        while (ids.length < 120) {
          const r = rng.next();
          if (r < 0.1) ids.push(specials[int(specials.length)]!);
          else if (r < 0.4) ids.push(int(tokenizer.vocab_size));
          else ids.push(...chunks[int(chunks.length)]!);
        }
        for (const skip_special_tokens of keepsSpecials(name) ? [true, false] : [true]) {
          const { pieces } = stream(tokenizer, ids, { skip_special_tokens }, () => 1 + int(3));
          expect(pieces.join(''), `${name} trial ${trial} skip ${skip_special_tokens}: ${JSON.stringify(ids)}`).toBe(tokenizer.decode(ids, { skip_special_tokens }));
        }
      }
    }
  });

  it('skip_prompt false streams the prompt too: the text of prompt and reply together', () => {
    const { tokenizer } = tokenizers[0]!;
    const prompt = tokenizer.encode('Once upon a time');
    const reply = tokenizer.encode(' there was a llama 🦙.', { add_special_tokens: false });
    const pieces: string[] = [];
    const tokens: number[][] = [];
    const streamer = new TextStreamer(tokenizer, { callback_function: (t) => pieces.push(t), token_callback_function: (ids) => tokens.push(ids) });
    streamer.put([prompt]);
    for (const id of reply) streamer.put([[id]]);
    streamer.end();
    expect(pieces.join('')).toBe(tokenizer.decode([...prompt, ...reply], { skip_special_tokens: true }));
    expect(tokens).toEqual([prompt, ...reply.map((id) => [id])]);
  });
});

/** A tokenizer whose ids are the characters of an alphabet (id i decodes to ALPHABET[i]). */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz ENDX#';
const chars = { decode: (ids: number[]) => ids.map((i) => ALPHABET[i]).join('') };
const idsOf = (text: string): number[] => [...text].map((c) => ALPHABET.indexOf(c));

describe('TextStreamer: the transformers / transformers.js surface', () => {
  it('on_finalized_text(text, stream_end) can be overridden; end() calls it once with stream_end true', () => {
    const calls: [string, boolean][] = [];
    class Collect extends TextStreamer {
      override on_finalized_text(text: string, stream_end: boolean): void {
        calls.push([text, stream_end]);
      }
    }
    const streamer = new Collect(chars, { skip_prompt: true });
    streamer.put([idsOf('prompt')]);
    streamer.put([idsOf('ab')]);
    streamer.put(idsOf('c')); // a flat row is accepted too
    streamer.end();
    expect(calls).toEqual([['ab', false], ['c', false], ['', true]]);
    expect(() => streamer.put([[1], [2]])).toThrow(/batch of one row; put\(\) got 2 rows/);
  });

  it('without callback_function the text goes to stdout, with a newline at the end', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const streamer = new TextStreamer(chars);
      streamer.put([idsOf('hi')]);
      streamer.end();
      expect(write.mock.calls.map((c) => c[0])).toEqual(['hi', '\n']);
    } finally {
      write.mockRestore();
    }
  });

  it('stop_strings: a possible start of one is held back; the text ends before the first', () => {
    const run = (stops: string[], text: string): { pieces: string[]; stopped: boolean } => {
      const pieces: string[] = [];
      const streamer = new TextStreamer(chars, { skip_prompt: true, stop_strings: stops, callback_function: (t) => pieces.push(t) });
      streamer.put([[]]);
      for (const id of idsOf(text)) streamer.put([[id]]);
      streamer.end();
      return { pieces, stopped: streamer.stopped };
    };
    expect(run(['END', 'xyz'], 'hello ENd x')).toEqual({ pieces: ['h', 'e', 'l', 'l', 'o', ' ', 'ENd', ' ', 'x'], stopped: false });
    expect(run(['xyz', 'b'], 'a xyb more')).toEqual({ pieces: ['a', ' ', 'xy'], stopped: true });
    expect(run(['###'], 'one ## two ### three')).toEqual({ pieces: [...'one ', '## ', ...'two '], stopped: true });
    expect(run(['###'], 'one ##')).toEqual({ pieces: [...'one ', '##'], stopped: false });
    const whole: string[] = [];
    const streamer = new TextStreamer(chars, { skip_prompt: true, stop_strings: '###', callback_function: (t) => whole.push(t) });
    streamer.put([[]]);
    streamer.put([idsOf('one ### two')]); // a stop string inside one put is cut there
    streamer.end();
    expect([whole, streamer.stopped]).toEqual([['one '], true]);
    expect(() => new TextStreamer(chars, { stop_strings: ['a', ''] })).toThrow(/'stop_strings' must be a non-empty string or a list of them; stop_strings\[1\] is ""/);
  });
});

describe('generate({ streamer })', () => {
  const DIR = fixture('models', 'llama2c-260k');
  let model: LlamaForCausalLM;
  let tokenizer: PreTrainedTokenizer;
  beforeAll(async () => {
    model = await LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu' });
    tokenizer = await AutoTokenizer.from_pretrained(DIR);
  });
  afterAll(() => model?.dispose());

  it('a TextStreamer gets the prompt, then each token, then end(): its pieces are the decoded text', async () => {
    const prompt = tokenizer.encode('Once upon a time');
    // sampled: this run draws byte-fallback pieces (<0xF7>, <0xC7>) as well as words
    const options = { max_new_tokens: 40, do_sample: true, temperature: 0.8, seed: 1 };
    for (const skip_prompt of [true, false]) {
      const pieces: string[] = [];
      let ends = 0;
      class Counting extends TextStreamer {
        override on_finalized_text(text: string, stream_end: boolean): void {
          super.on_finalized_text(text, stream_end);
          if (stream_end) ends++;
        }
      }
      const [ids] = await model.generate([prompt], { ...options, streamer: new Counting(tokenizer, { skip_prompt, callback_function: (t) => pieces.push(t) }) });
      expect(pieces.join('')).toBe(tokenizer.decode(skip_prompt ? ids!.slice(prompt.length) : ids!, { skip_special_tokens: true }));
      expect(ends).toBe(1);
    }
  });

  it('any object with put() and end() is a streamer: [B][S] prompt ids, then [B][1] per step; a function still works', async () => {
    const calls: unknown[] = [];
    const [ids] = await model.generate([[1, 403, 407]], { max_new_tokens: 5, eos_token_id: null, streamer: { put: (v) => calls.push(v), end: () => calls.push('end') } });
    expect(calls).toEqual([[[1, 403, 407]], ...ids!.slice(3).map((t) => [[t]]), 'end']);
    const none: unknown[] = [];
    await model.generate([[1, 403]], { max_new_tokens: 0, streamer: { put: (v) => none.push(v), end: () => none.push('end') } });
    expect(none).toEqual([[[1, 403]], 'end']);

    // The function form: each event's text is decode(the row's tokens so far), an unfinished character as U+FFFD.
    const prompt = tokenizer.encode('Once upon a time');
    const texts: string[] = [];
    const [sampled] = await model.generate([prompt], { max_new_tokens: 40, do_sample: true, temperature: 0.8, seed: 1, tokenizer, streamer: ({ text }) => texts.push(text) });
    const generated = sampled!.slice(prompt.length);
    expect(texts).toEqual(generated.map((_, n) => tokenizer.decode(generated.slice(0, n + 1), { skip_special_tokens: true })));
  });

  it("transformers.js' pattern: pipeline('text-generation') with a TextStreamer of its tokenizer", async () => {
    const generator = await pipeline('text-generation', DIR, { device: 'cpu' });
    try {
      const pieces: string[] = [];
      const streamer = new TextStreamer(generator.tokenizer, { skip_prompt: true, callback_function: (t) => pieces.push(t) });
      const [out] = await generator('Once upon a time', { max_new_tokens: 20, return_full_text: false, streamer });
      expect(pieces.join('')).toBe(out!.generated_text);
    } finally {
      generator.dispose();
    }
  });

  it("anything else is refused with an ArgumentError naming 'streamer'", async () => {
    for (const streamer of [{}, { put() {} }, 42, 'stdout']) {
      await expect(model.generate([[1, 403]], { max_new_tokens: 2, streamer: streamer as never })).rejects.toThrow(ArgumentError);
      await expect(model.generate([[1, 403]], { max_new_tokens: 2, streamer: streamer as never })).rejects.toThrow(/'streamer' must be a function or an object with put\(ids\) and end\(\)/);
    }
  });
});
