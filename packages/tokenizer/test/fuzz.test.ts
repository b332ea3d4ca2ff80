// Seeded fuzzing: random Unicode (all planes, lone surrogates), long runs of one character and 1 MB
// inputs. Encoding never throws, round-trips as each tokenizer defines it, and stays near-linear.
import { seededRandom } from '@cria/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, LlamaTokenizer, type PreTrainedTokenizer } from '../src/index.js';
import { tokenizerDir } from './helpers.js';

const POOLS: [number, number][] = [
  [0x20, 0x7e], // ASCII
  [0x00, 0x1f], // controls
  [0xa0, 0x24f], // Latin
  [0x370, 0x52f], // Greek, Cyrillic
  [0x590, 0x6ff], // Hebrew, Arabic
  [0x900, 0xdff], // Indic, Thai
  [0x3040, 0x30ff], // kana
  [0x4e00, 0x9fff], // CJK
  [0xac00, 0xd7a3], // Hangul
  [0x1f300, 0x1faff], // emoji
  [0x0, 0x10ffff], // anything
];
const SPACES = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u0085', '\ufeff', '\u2581', '\u200d', "'s", "'LL"];

/** A random string of Unicode scalar values with spaces; with `surrogates`, some lone surrogates too. */
function randomText(rand: () => number, maxLength: number, surrogates: boolean): string {
  const n = Math.floor(rand() * maxLength);
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.15) out += SPACES[Math.floor(rand() * SPACES.length)];
    else if (surrogates && r < 0.18) out += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800));
    else {
      const [lo, hi] = POOLS[Math.floor(rand() * POOLS.length)]!;
      let cp = lo + Math.floor(rand() * (hi - lo + 1));
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
      out += String.fromCodePoint(cp);
    }
  }
  return out;
}

/** What a JS string is as UTF-8 text: lone surrogates become U+FFFD. */
const wellFormed = (s: string): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s));
const noSpecialText = (s: string) => !/<unk>|<s>|<\/s>|<\|/.test(s);

let llama3: PreTrainedTokenizer;
let llama2: PreTrainedTokenizer;
let llama2slow: LlamaTokenizer;
beforeAll(async () => {
  llama3 = await AutoTokenizer.from_pretrained(tokenizerDir('llama3'));
  llama2 = await AutoTokenizer.from_pretrained(tokenizerDir('llama2'));
  llama2slow = await LlamaTokenizer.from_pretrained(tokenizerDir('llama2'));
});
const raw = { clean_up_tokenization_spaces: false };

describe('fuzz: random Unicode', () => {
  const rand = seededRandom(20240611);
  const texts = Array.from({ length: 300 }, (_, i) => randomText(rand, i < 150 ? 40 : 300, i % 3 === 0)).filter(noSpecialText);

  it('llama3: decode(encode(x)) === x (byte-level BPE is lossless)', () => {
    for (const x of texts) {
      const ids = llama3.encode(x, { add_special_tokens: false });
      expect(llama3.decode(ids, raw), JSON.stringify(x)).toBe(wellFormed(x));
    }
  });
  it('llama2: decode(encode(x)) === x with U+2581 read as a space (sentencepiece); the slow tokenizer gives the same ids', () => {
    for (const x of texts) {
      const expected = wellFormed(x).replaceAll('\u2581', ' ');
      const ids = llama2.encode(x, { add_special_tokens: false });
      expect(llama2.decode(ids, raw), JSON.stringify(x)).toBe(expected);
      expect(llama2slow.encode(x, { add_special_tokens: false }), JSON.stringify(x)).toEqual(ids);
      expect(typeof llama2slow.decode(ids)).toBe('string');
      expect(llama2slow.sp.decode(llama2slow.sp.encode(x))).toBe(expected);
    }
  });
  it('decode of random ids never throws (invalid byte sequences become U+FFFD)', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const ids = Array.from({ length: 1 + Math.floor(r() * 20) }, () => Math.floor(r() * 128256));
      expect(typeof llama3.decode(ids)).toBe('string');
      const ids2 = ids.map((id) => id % 32000);
      expect(typeof llama2.decode(ids2)).toBe('string');
      expect(typeof llama2slow.decode(ids2)).toBe('string');
    }
  });
});

describe('fuzz: long runs and large inputs stay near-linear', () => {
  const runs = ['a', ' ', '\n', '1', '!', '\u2581', 'é', '🦙', '日'];
  const time = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  it.each(runs.map((c) => [JSON.stringify(c), c] as const))('a run of %s: 10k vs 80k characters', (_l, c) => {
    for (const tok of [llama3, llama2, llama2slow]) {
      const small = time(() => tok.encode(c.repeat(10_000)));
      const large = time(() => {
        const ids = tok.encode(c.repeat(80_000));
        expect(ids.length).toBeGreaterThan(0);
      });
      // 8x the input: linear is ~8x, quadratic ~64x (minutes for a naive BPE at 80k symbols). Generous
      // for a shared, noisy machine.
      expect(large).toBeLessThan(Math.max(40 * small, 5000));
    }
  });
  it('1 MB of mixed text encodes and round-trips', () => {
    const rand = seededRandom(99);
    let text = '';
    while (text.length < 1_000_000) text += randomText(rand, 400, false).replace(/<|\u2581/g, 'x') + ' The quick brown fox. def f(x): return x**2\n';
    const ids3 = llama3.encode(text, { add_special_tokens: false });
    expect(llama3.decode(ids3, raw)).toBe(text);
    const ids2 = llama2.encode(text, { add_special_tokens: false });
    expect(llama2.decode(ids2, raw)).toBe(text);
  });
});
