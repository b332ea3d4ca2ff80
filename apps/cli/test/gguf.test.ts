// `cria convert --to gguf` then `cria generate --model file.gguf`: the text is the one the GGUF model and its
// GGUF tokenizer give in-process (the file is the whole model: config, tokenizer and weights).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGguf, fileSource } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer } from '@cria/tokenizer';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/main.js';
import { captureOutput } from './capture-output.js';

const work = mkdtempSync(join(tmpdir(), 'cria-cli-gguf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('cria convert --to gguf', () => {
  it.each(['f32', 'q8_0'])('writes llama2c-260k as %s; cria generate runs the file', async (dtype) => {
    const outfile = join(work, `llama2c-${dtype}.gguf`);
    const io = captureOutput();
    expect(await main(['convert', '--to', 'gguf', '--input_dir', fixture('models', 'llama2c-260k'), '--outfile', outfile, '--dtype', dtype])).toBe(0);
    expect(io.err()).toMatch(new RegExp(`wrote \\d+ tensors \\([\\d.]+ MiB, ${dtype === 'f32' ? 'ALL_F32' : 'MOSTLY_Q8_0'}\\)`));
    const source = await fileSource(outfile);
    const types = new Set((await readGguf(source)).tensors.map((t) => t.type));
    await source.close();
    expect(types.has(dtype === 'f32' ? 'F32' : 'Q8_0')).toBe(true);

    const tokenizer = await AutoTokenizer.from_pretrained(outfile);
    const model = await LlamaForCausalLM.from_pretrained(outfile, { device: 'reference' });
    const prompt = tokenizer.encode('Once upon a time');
    const [ids] = await model.generate([prompt], { max_new_tokens: 10 });
    model.dispose();
    const run = captureOutput();
    expect(await main(['generate', '--model', outfile, '--prompt', 'Once upon a time', '--max-new-tokens', '10', '--device', 'reference'])).toBe(0);
    expect(run.out()).toBe('Once upon a time' + tokenizer.decode(ids!.slice(prompt.length), { skip_special_tokens: true }) + '\n');
  });

  it('refuses an unknown --dtype and flags of the other conversion, naming them', async () => {
    const io = captureOutput();
    expect(await main(['convert', '--to', 'gguf', '--input_dir', 'x', '--outfile', 'y.gguf', '--dtype', 'q3_k'])).toBe(2);
    expect(io.err()).toMatch(/--dtype must be one of f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m, q5_k_m, q6_k, got 'q3_k'/);
    expect(await main(['convert', '--to', 'gguf', '--input_dir', 'x', '--outfile', 'y.gguf', '--torch_dtype', 'float16'])).toBe(2);
    expect(io.err()).toMatch(/--torch_dtype belongs to the Meta conversion/);
    expect(await main(['convert', '--input_dir', 'x', '--output_dir', 'y', '--outfile', 'y.gguf'])).toBe(2);
    expect(io.err()).toMatch(/--outfile belongs to --to gguf/);
  });
});
