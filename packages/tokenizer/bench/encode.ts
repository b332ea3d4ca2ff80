// pnpm bench: encode throughput of @cria/tokenizer and @huggingface/tokenizers (transformers.js's
// tokenizer) in the same process, on the same ~1 MB text, for llama2/ and llama3/. Checks the ids are
// identical, reports MB/s and tokens/s (median of interleaved runs), writes JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { AutoTokenizer } from '../src/index.js';
import { benchmarkText } from './corpus.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const out = process.argv[2] ?? 'bench-results.json';
const text = benchmarkText();
const mb = new TextEncoder().encode(text).length / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const results: Record<string, unknown>[] = [];
for (const name of ['llama2', 'llama3'] as const) {
  const dir = fixture('tokenizers', name);
  let t0 = performance.now();
  const cria = await AutoTokenizer.from_pretrained(dir);
  const criaLoadMs = performance.now() - t0;
  t0 = performance.now();
  const hf = new HfTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
  const hfLoadMs = performance.now() - t0;
  const criaTimes: number[] = [];
  const hfTimes: number[] = [];
  let criaIds: number[] = [];
  let hfIds: number[] = [];
  for (let r = 0; r < runs; r++) {
    // Fresh instances' caches would favour nobody: both keep their word caches across runs, as in use.
    t0 = performance.now();
    criaIds = cria.encode(text, { add_special_tokens: false });
    criaTimes.push(performance.now() - t0);
    t0 = performance.now();
    hfIds = hf.encode(text, { add_special_tokens: false }).ids;
    hfTimes.push(performance.now() - t0);
  }
  let firstDiff = -1;
  for (let i = 0; i < Math.max(criaIds.length, hfIds.length); i++) {
    if (criaIds[i] !== hfIds[i]) {
      firstDiff = i;
      break;
    }
  }
  const c = median(criaTimes) / 1000;
  const h = median(hfTimes) / 1000;
  const row = {
    tokenizer: name,
    text_mb: Number(mb.toFixed(3)),
    tokens: criaIds.length,
    identical_ids: firstDiff === -1,
    first_difference_at: firstDiff,
    cria: { mb_per_s: Number((mb / c).toFixed(2)), tokens_per_s: Math.round(criaIds.length / c), median_ms: Math.round(c * 1000), load_ms: Math.round(criaLoadMs), runs_ms: criaTimes.map(Math.round) },
    huggingface_tokenizers: { version: '0.2.0', mb_per_s: Number((mb / h).toFixed(2)), tokens_per_s: Math.round(hfIds.length / h), median_ms: Math.round(h * 1000), load_ms: Math.round(hfLoadMs), runs_ms: hfTimes.map(Math.round) },
    speedup: Number((h / c).toFixed(2)),
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
const report = { date: new Date().toISOString(), node: process.version, runs, results };
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${out}`);
