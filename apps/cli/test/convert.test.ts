// End to end: `cria convert` on every Meta fixture, then the converted folder loaded by
// @cria/models (with the converted tokenizer) reproduces the goldens of expected-hf/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors } from '@cria/core';
import { fixture, relativeError } from '@cria/core/testing';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { AutoTokenizer } from '@cria/tokenizer';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { convertCommand, progressBar } from '../src/commands/convert.js';
import { captureOutput } from './capture-output.js';
import { createPytorchCheckpointWriter, openPytorchCheckpoint } from '@cria/convert';
import { copyFileSync, mkdirSync } from 'node:fs';

const F32_TOLERANCE = 1e-4;
const work = mkdtempSync(join(tmpdir(), 'cria-cli-convert-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function captureStderr(): () => string {
  return captureOutput().err;
}

interface Expected {
  inputs: { input_ids: number[][] };
  greedy: { prompt_ids: number[]; max_new_tokens: number; output_ids: number[] };
}

const CASES = [
  { folder: 'meta-llama1-tiny', version: '1', dtype: 'bfloat16', vectors: 'llama2' },
  { folder: 'meta-llama2-tiny-mp2', version: '2', dtype: 'bfloat16', vectors: 'llama2' },
  { folder: 'meta-llama3.1-tiny', version: '3.1', dtype: 'bfloat16', vectors: 'llama3' },
  { folder: 'llama2c-260k', version: '2', dtype: 'float32', vectors: null },
] as const;

const vectors = JSON.parse(readFileSync(fixture('tokenizers', 'vectors', 'hf-tokenizers.json'), 'utf8')) as {
  sets: Record<'llama2' | 'llama3', { encode: { text: string; ids: number[] }[] }>;
};

describe('cria convert, end to end', () => {
  for (const c of CASES) {
    it(`${c.folder}: converts, verifies, and the result reproduces the expected-hf goldens`, async () => {
      const out = join(work, c.folder);
      const stderr = captureStderr();
      const code = await convertCommand([
        '--input_dir', fixture('meta', c.folder, 'meta'),
        '--output_dir', out,
        '--llama_version', c.version,
        '--torch_dtype', c.dtype,
        '--verify', '--device', 'cpu',
      ]);
      const log = stderr();
      vi.restoreAllMocks();
      expect(code, log).toBe(0);
      expect(log).toMatch(/100% \d+\/\d+ tensors/);
      expect(log).toMatch(/verify: loaded on cpu; forward pass on 4 tokens gave finite logits/);

      // tensors bit for bit
      const expectedDir = fixture('meta', c.folder, 'expected-hf');
      const want = await openSafetensors(join(expectedDir, 'model.safetensors'));
      const got = await openSafetensors(out);
      expect(got.keys()).toEqual(want.keys());
      for (const name of want.keys()) expect(Buffer.from(await got.getBytes(name)).equals(Buffer.from(await want.getBytes(name))), name).toBe(true);
      await Promise.all([want.close(), got.close()]);

      // goldens through @cria/models
      const expected = JSON.parse(readFileSync(join(expectedDir, 'expected.json'), 'utf8')) as Expected;
      const goldens = await openSafetensors(join(expectedDir, 'expected.safetensors'));
      const model = await LlamaForCausalLM.from_pretrained(out, { device: 'cpu' });
      try {
        const ids = expected.inputs.input_ids;
        const result = await model.forward({ input_ids: ids, use_cache: false });
        const hidden = await result.last_hidden_state.toFloat32();
        expect(relativeError(hidden, await (await goldens.get('last_hidden_state')).toFloat32())).toBeLessThan(F32_TOLERANCE);
        const logits = await result.logits!.toFloat32();
        const vocab = model.config.vocab_size;
        const seq = ids[0]!.length;
        if (goldens.has('logits')) {
          expect(relativeError(logits, await (await goldens.get('logits')).toFloat32())).toBeLessThan(F32_TOLERANCE);
        } else {
          const last = new Float32Array(ids.length * vocab);
          for (let b = 0; b < ids.length; b++) last.set(logits.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab), b * vocab);
          expect(relativeError(last, await (await goldens.get('logits_last')).toFloat32())).toBeLessThan(F32_TOLERANCE);
        }
        disposeOutput(result);
        const [sequence] = await model.generate([expected.greedy.prompt_ids], { max_new_tokens: expected.greedy.max_new_tokens, do_sample: false, eos_token_id: null });
        expect(sequence).toEqual(expected.greedy.output_ids);
      } finally {
        model.dispose();
        await goldens.close();
      }

      // the converted tokenizer encodes like the reference tokenizer.json
      if (c.vectors) {
        const tokenizer = await AutoTokenizer.from_pretrained(out);
        // The llama3/ vectors name ids 128002-128255 as Llama 3 does; Llama 3.1 renamed some of the
        // reserved tokens, so texts naming those are left out for a 3.1 tokenizer.
        const renamed = /<\|(reserved_special_token_\d+|eom_id|python_tag|finetune_right_pad_id)\|>/;
        const cases = vectors.sets[c.vectors].encode.filter((v) => c.version !== '3.1' || !renamed.test(v.text)).slice(0, 60);
        expect(cases.length).toBe(60);
        for (const v of cases) expect(tokenizer.encode(v.text), JSON.stringify(v.text)).toEqual(v.ids);
      }
    });
  }

  it('usage errors name the flag; bad input is exit code 1 with the file named', async () => {
    const stderr = captureStderr();
    expect(await convertCommand(['--output_dir', join(work, 'x')])).toBe(2);
    expect(stderr()).toMatch(/--input_dir <dir> is required/);
    expect(await convertCommand(['--input_dir', 'a', '--output_dir', 'b', '--llama_version', '4'])).toBe(2);
    expect(stderr()).toMatch(/--llama_version must be one of 1, 2, 3, 3\.1, 3\.2, Guard-3, got '4'/);
    expect(await convertCommand(['--input_dir', 'a', '--output_dir', 'b', '--torch_dtype', 'int8'])).toBe(2);
    expect(await convertCommand(['--input_dir', 'a', '--output_dir', 'b', '--model_size', '9B'])).toBe(2);
    expect(stderr()).toMatch(/--model_size must be one of/);
    expect(await convertCommand(['--input_dir', join(work, 'missing'), '--output_dir', join(work, 'y')])).toBe(1);
    expect(stderr()).toMatch(/cria convert: .*params\.json/);
  });

  it('--model_size tokenizer_only writes only the tokenizer', async () => {
    const out = join(work, 'tok-only');
    const stderr = captureStderr();
    expect(await convertCommand(['--input_dir', fixture('meta', 'meta-llama3.1-tiny', 'meta'), '--output_dir', out, '--llama_version', '3.1', '--model_size', 'tokenizer_only', '--instruct'])).toBe(0);
    expect(stderr()).toMatch(/tokenizer\.json, tokenizer_config\.json, special_tokens_map\.json \(128256 tokens\)/);
  });

  it('--verify fails (exit 1) when the converted model gives non-finite logits', async () => {
    const source = fixture('meta', 'llama2c-260k', 'meta');
    const input = join(work, 'nan-meta');
    mkdirSync(input, { recursive: true });
    copyFileSync(join(source, 'params.json'), join(input, 'params.json'));
    const original = await openPytorchCheckpoint(join(source, 'consolidated.00.pth'));
    const names = original.keys();
    const writer = await createPytorchCheckpointWriter(
      join(input, 'consolidated.00.pth'),
      names.map((name) => ({ name, dtype: original.info(name).torchDtype, shape: original.info(name).shape })),
    );
    for (const name of names) {
      const bytes = await original.getBytes(name);
      if (name === 'norm.weight') new Float32Array(bytes.buffer).fill(Number.NaN);
      await writer.write(name, bytes);
    }
    await writer.close();
    await original.close();
    const stderr = captureStderr();
    const code = await convertCommand(['--input_dir', input, '--output_dir', join(work, 'nan-hf'), '--llama_version', '2', '--torch_dtype', 'float32', '--verify', '--device', 'cpu']);
    expect(code).toBe(1);
    expect(stderr()).toMatch(/cria convert: verify: logit 0 of the last position is NaN/);
  });

  it('the progress bar redraws one line on a terminal and prints every 10% on a pipe', () => {
    const tty: string[] = [];
    const bar = progressBar({ isTTY: true, write: (t: string) => tty.push(t) });
    bar.update({ done: 1, total: 2, bytesDone: 5e6, bytesTotal: 1e7, tensor: 'model.norm.weight' });
    bar.update({ done: 2, total: 2, bytesDone: 1e7, bytesTotal: 1e7, tensor: 'lm_head.weight' });
    bar.done();
    expect(tty[0]).toBe(`\r[${'#'.repeat(15)}${'-'.repeat(15)}] 1/2 tensors 5.0 MB/10.0 MB model.norm.weight\x1b[K`);
    expect(tty[2]).toBe('\n');
    const pipe: string[] = [];
    const quiet = progressBar({ isTTY: false, write: (t: string) => pipe.push(t) });
    for (let i = 1; i <= 100; i++) quiet.update({ done: i, total: 100, bytesDone: i, bytesTotal: 100, tensor: `t${i}` });
    expect(pipe).toHaveLength(11); // at the first tensor, then at 10%, 20%, ... 100%
    expect(pipe[0]).toBe(`[${'-'.repeat(30)}] 1% 1/100 tensors\n`);
    expect(pipe[10]).toBe(`[${'#'.repeat(30)}] 100% 100/100 tensors\n`);
  });
});
