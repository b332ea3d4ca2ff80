// A deterministic ~1 MB benchmark text: English prose, source code and multilingual lines, built by
// seeded sampling from the words of the fixture vectors (so it has the variety of real text rather
// than one paragraph repeated).
import { readFileSync } from 'node:fs';
import { fixture, seededRandom } from '@cria/core/testing';

export function benchmarkText(bytes = 1_000_000, seed = 42): string {
  const v = (name: string) => JSON.parse(readFileSync(fixture('tokenizers', 'vectors', name), 'utf8'));
  const hf = v('hf-tokenizers.json');
  const texts: string[] = [...hf.sets.llama2.encode, ...hf.sets.llama3.encode].map((e: { text: string }) => e.text);
  for (const c of v('llama-tokenizer-js.json')) if (c.op === 'encode') texts.push(c.args[0]);
  for (const c of v('llama2c-test-c.json').cases) texts.push(c.text);
  for (const c of v('transformers-tests.json').legacy_default_llama2_tokenizer_with_bos) texts.push(c.text);
  const special = /<unk>|<s>|<\/s>|<\|/;
  const english = texts.filter((t) => /^[\x20-\x7e\n]*$/.test(t) && !special.test(t) && !/[{}();=]/.test(t));
  const code = texts.filter((t) => /[{}();=]/.test(t) && !special.test(t));
  const other = texts.filter((t) => /[^\x00-\x7f]/.test(t) && !special.test(t));
  const words = english.flatMap((t) => t.split(/\s+/)).filter((w) => w !== '');
  const rand = seededRandom(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)]!;
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const r = rand();
    let line: string;
    if (r < 0.6) {
      const n = 8 + Math.floor(rand() * 30);
      line = Array.from({ length: n }, () => pick(words)).join(' ') + (rand() < 0.5 ? '.' : ',') + (rand() < 0.3 ? ` ${Math.floor(rand() * 100000)}` : '');
    } else if (r < 0.85) line = pick(code);
    else line = pick(other);
    line += '\n';
    parts.push(line);
    size += encoder.encode(line).length;
  }
  return parts.join('');
}
