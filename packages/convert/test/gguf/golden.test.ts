// The GGUF files cria writes against the ones gguf-py writes from the same inputs (make-goldens.py, which
// follows convert_hf_to_gguf.py's LlamaForCausalLM rules on gguf-py's own writer): byte for byte.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '@cria/core/testing';
import { type FloatDType, writeLlamaGguf } from '../../src/index.js';
import { describeGguf, parseGguf } from './read-gguf.js';

const golden = (...parts: string[]) => join(import.meta.dirname, 'golden', ...parts);
const out = mkdtempSync(join(tmpdir(), 'cria-gguf-golden-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Case {
  case: string;
  model: string;
  tokenizer: string | null;
  dtype: FloatDType;
  size: number;
  sha256: string;
}
const cases = (JSON.parse(readFileSync(golden('hashes.json'), 'utf8')) as { cases: Case[] }).cases;

/** A path of hashes.json (relative to the repository root) where the tests find it. */
function located(path: string): string {
  if (path.startsWith('fixtures/')) return fixture(...path.slice('fixtures/'.length).split('/'));
  if (path.includes('/test/gguf/golden/')) return golden(path.slice(path.indexOf('/test/gguf/golden/') + '/test/gguf/golden/'.length));
  throw new Error(`unexpected path in hashes.json: ${path}`);
}

describe('GGUF writer against gguf-py', () => {
  it('tiny-spm, bfloat16: the committed golden file, header to tensor data', async () => {
    const path = join(out, 'tiny-spm.bf16.gguf');
    await writeLlamaGguf(golden('tiny-spm'), path, { dtype: 'bfloat16', tokenizerDir: fixture('tokenizers', 'tok512'), name: 'tiny-spm' });
    const expected = new Uint8Array(readFileSync(golden('tiny-spm.bf16.gguf')));
    const actual = new Uint8Array(readFileSync(path));
    expect(describeGguf(parseGguf(actual))).toEqual(describeGguf(parseGguf(expected)));
    expect(actual.byteLength).toBe(expected.byteLength);
    expect(Buffer.compare(actual, expected)).toBe(0);
  });

  it.each(cases.map((c) => [`${c.case} ${c.dtype}`, c] as const))('%s: same sha256 as gguf-py', async (_label, c) => {
    const path = join(out, `${c.case}.${c.dtype}.gguf`);
    await writeLlamaGguf(located(c.model), path, {
      dtype: c.dtype,
      name: c.case,
      ...(c.tokenizer ? { tokenizerDir: located(c.tokenizer) } : {}),
    });
    const bytes = readFileSync(path);
    expect(bytes.byteLength).toBe(c.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(c.sha256);
  });
});
