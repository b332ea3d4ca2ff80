// AutoTokenizer with a ModelDirectory that is not a path (a browser folder pick), and its errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, filesDirectory } from '@cria/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, LlamaTokenizer, LlamaTokenizerFast } from '../src/index.js';
import { tokenizerDir } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'cria-auto-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('AutoTokenizer', () => {
  it('reads a ModelDirectory of browser File objects', async () => {
    const dir = tokenizerDir('tok512');
    const files = ['tokenizer.json', 'tokenizer.model', 'tokenizer_config.json'].map(
      (name) => new File([readFileSync(join(dir, name))], name),
    );
    const fast = await AutoTokenizer.from_pretrained(filesDirectory(files, 'tok512'));
    expect(fast).toBeInstanceOf(LlamaTokenizerFast);
    const slow = await AutoTokenizer.from_pretrained(filesDirectory(files, 'tok512'), { use_fast: false });
    expect(slow).toBeInstanceOf(LlamaTokenizer);
    expect(fast.encode('Once upon a time')).toEqual(slow.encode('Once upon a time'));
  });
  it('names the folder when it has no tokenizer file, and the file when it is broken', async () => {
    await expect(AutoTokenizer.from_pretrained(tmp)).rejects.toThrow(FileFormatError);
    await expect(AutoTokenizer.from_pretrained(tmp)).rejects.toThrow(/neither tokenizer.json nor tokenizer.model/);
    const broken = join(tmp, 'broken');
    rmSync(broken, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(broken));
    writeFileSync(join(broken, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}');
    await expect(AutoTokenizer.from_pretrained(broken)).rejects.toThrow(/tokenizer.json: model.merges\[0\]/);
    writeFileSync(join(broken, 'tokenizer.json'), '{"model": ');
    await expect(AutoTokenizer.from_pretrained(broken)).rejects.toThrow(/tokenizer.json/);
    rmSync(join(broken, 'tokenizer.json'));
    writeFileSync(join(broken, 'tokenizer.model'), new Uint8Array([0x0a, 0xff, 0xff]));
    await expect(AutoTokenizer.from_pretrained(broken)).rejects.toThrow(/tokenizer.model/);
  });
});
