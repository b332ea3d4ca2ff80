// The repository's fixtures/ is a byte-for-byte copy of the team's reference data: fixtures.SHA256SUMS
// (written from the original folder when it was copied in, in `sha256sum` format) lists every file with
// its SHA-256, and this suite checks the committed copy against it: nothing changed, nothing missing,
// nothing added. It reads the repository's own folder, not $CRIA_FIXTURES.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '@cria/core/testing';

const root = repositoryRoot();
const fixtures = join(root, 'fixtures');

function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
    if (!match) throw new Error(`fixtures.SHA256SUMS line ${i + 1}: expected '<64 hex digits>  <path>', got ${JSON.stringify(line.slice(0, 120))}`);
    if (sums.has(match[2]!)) throw new Error(`fixtures.SHA256SUMS line ${i + 1}: ${match[2]} is listed twice`);
    sums.set(match[2]!, match[1]!);
  }
  return sums;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(relative(fixtures, path).split(sep).join('/'));
  }
  return out.sort();
}

const listed = parseChecksums(readFileSync(join(root, 'fixtures.SHA256SUMS'), 'utf8'));
const present = filesUnder(fixtures);

describe('fixtures/ against fixtures.SHA256SUMS', () => {
  it('lists the whole reference set (107 files: tokenizers, vectors, models, Meta checkpoints)', () => {
    expect(listed.size).toBe(107);
    for (const part of ['README.md', 'tokenizers/llama3/tokenizer.json', 'models/llama2c-260k/model.safetensors', 'meta/meta-llama2-tiny-mp2/meta/consolidated.01.pth']) {
      expect(listed.has(part), part).toBe(true);
    }
  });

  it('holds exactly the listed files: none missing, none added', () => {
    expect(present.filter((p) => !listed.has(p))).toEqual([]);
    expect([...listed.keys()].filter((p) => !present.includes(p))).toEqual([]);
  });

  it.each([...listed.entries()])('%s is byte-identical to the reference', (path, sha256) => {
    const actual = createHash('sha256').update(readFileSync(join(fixtures, path))).digest('hex');
    expect(actual).toBe(sha256);
  });
});

describe('the checksum parser', () => {
  it('refuses malformed and duplicate lines, naming the line', () => {
    expect(() => parseChecksums('abc  x\n')).toThrow(/line 1: expected/);
    const sum = 'a'.repeat(64);
    expect(() => parseChecksums(`${sum}  x\n${sum}  x\n`)).toThrow(/line 2: x is listed twice/);
  });
});
