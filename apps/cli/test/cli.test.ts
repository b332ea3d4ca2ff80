// The cria commands, run in-process through main() with stdout/stderr captured.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer } from '@cria/tokenizer';
import { main } from '../src/main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => vi.restoreAllMocks());

describe('cria generate', () => {
  it('greedy from prompt ids streams the golden continuation and reports speeds', async () => {
    const dir = fixture('models', 'tiny-llama1-mha');
    const io = capture();
    const { greedy } = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { greedy: { prompt_ids: number[]; output_ids: number[] } };
    const prompt = greedy.prompt_ids;
    const code = await main(['generate', '--model', dir, '--prompt-ids', prompt.join(','), '--max-new-tokens', '16', '--device', 'cpu']);
    expect(code).toBe(0);
    const streamed = io.out().trim().split(/\s+/).map(Number);
    // the golden greedy continuation (its eos id 2 does not occur in it, so generation runs all 16 steps)
    expect(streamed).toEqual(greedy.output_ids.slice(prompt.length));
    expect(io.err()).toMatch(/prefill 8 tokens at [\d.]+ tok\/s, decode 16 tokens at [\d.]+ tok\/s/);
  });

  it('with --prompt, streams the text the tokenizer decodes from the model\'s greedy ids', async () => {
    const dir = fixture('models', 'llama2c-260k');
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
    const prompt = tokenizer.encode('Once upon a time');
    const [ids] = await model.generate([prompt], { max_new_tokens: 12 });
    model.dispose();
    const io = capture();
    expect(await main(['generate', '--model', dir, '--prompt', 'Once upon a time', '--max-new-tokens', '12', '--device', 'cpu'])).toBe(0);
    expect(io.out()).toBe('Once upon a time' + tokenizer.decode(ids!.slice(prompt.length), { skip_special_tokens: true }) + '\n');
  });

  it('unknown flags, devices and missing --model are usage errors naming them', async () => {
    const io = capture();
    expect(await main(['generate', '--model', 'x', '--bogus'])).toBe(2);
    expect(io.err()).toMatch(/bogus/);
    expect(await main(['generate', '--model', 'x', '--device', 'tpu'])).toBe(2);
    expect(io.err()).toMatch(/--device must be one of auto, cpu, webgpu, cuda, got 'tpu'/);
    expect(await main(['generate'])).toBe(2);
    expect(io.err()).toMatch(/--model <dir> is required/);
    expect(await main(['generate', '--model', 'x', '--max-new-tokens', 'many'])).toBe(2);
    expect(io.err()).toMatch(/--max-new-tokens must be an integer/);
    expect(await main(['frobnicate'])).toBe(2);
    expect(io.err()).toMatch(/unknown command 'frobnicate'/);
  });

  it('a directory that is not a model is a clear error', async () => {
    const io = capture();
    expect(await main(['generate', '--model', '/nonexistent-dir', '--prompt-ids', '1', '--device', 'cpu'])).toBe(1);
    expect(io.err()).toMatch(/nonexistent-dir.*config\.json/);
  });
});

describe('cria bench', () => {
  it('prints JSON with the speeds for a fixture model', async () => {
    const io = capture();
    const code = await main(['bench', '--model', fixture('models', 'llama2c-260k'), '--device', 'cpu', '--prompt-length', '16', '--new-tokens', '8']);
    expect(code).toBe(0);
    const report = JSON.parse(io.out()) as Record<string, unknown>;
    expect(report.backend).toBe('cpu');
    expect(report.prompt_length).toBe(16);
    expect(report.new_tokens).toBe(8);
    expect(report.prefill_tokens_per_second).toBeGreaterThan(0);
    expect(report.decode_tokens_per_second).toBeGreaterThan(0);
    expect(report.peak_rss_bytes).toBeGreaterThan(0);
    expect((report.shape as { hidden_size: number }).hidden_size).toBe(64);
  });

  it('refuses both or neither of --model and --shape, and unknown shapes', async () => {
    const io = capture();
    expect(await main(['bench'])).toBe(2);
    expect(await main(['bench', '--shape', 'gpt-5'])).toBe(2);
    expect(io.err()).toMatch(/--shape must be one of stories110M, llama-3.2-1b, llama-2-7b/);
  });
});

describe('cria env', () => {
  it('lists every backend with its availability', async () => {
    const io = capture();
    expect(await main(['env'])).toBe(0);
    expect(io.out()).toMatch(/cpu\s+available/);
    expect(io.out()).toMatch(/cuda\s+/);
    expect(io.out()).toMatch(/webgpu\s+/);
  });
});
