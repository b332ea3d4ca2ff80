// The cria commands, run in-process through main() with stdout/stderr captured.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer } from '@cria/tokenizer';
import { main } from '../src/main.js';
import { captureOutput as capture } from './capture-output.js';

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
    expect(io.err()).toMatch(/--device must be one of auto, cpu, webgpu, cuda, reference, got 'tpu'/);
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

describe('cria generate: sampling flags', () => {
  const dir = fixture('models', 'tiny-llama1-mha');
  const golden = () => (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { greedy: { prompt_ids: number[]; output_ids: number[] } }).greedy;

  async function streamedIds(argv: string[]): Promise<{ ids: number[]; err: string }> {
    const io = capture();
    expect(await main(['generate', ...argv, '--device', 'cpu'])).toBe(0);
    const ids = io.out().trim().split(/\s+/).map(Number);
    const err = io.err();
    vi.restoreAllMocks();
    return { ids, err };
  }

  it('--temperature, --top-k, --top-p and --seed sample as generate() does with the same options', async () => {
    const { prompt_ids: prompt, output_ids: greedy } = golden();
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
    const [expected] = await model.generate([prompt], { max_new_tokens: 12, do_sample: true, temperature: 1.5, top_k: 50, top_p: 0.95, seed: 7, eos_token_id: null });
    model.dispose();
    const { ids, err } = await streamedIds(['--model', dir, '--prompt-ids', prompt.join(','), '--max-new-tokens', '12', '--temperature', '1.5', '--top-k', '50', '--top-p', '0.95', '--seed', '7']);
    // the sampled run ends at an eos (2) only if the same-seed generate() did
    expect(ids).toEqual(expected!.slice(prompt.length, prompt.length + ids.length));
    expect(ids.length === 12 || ids[ids.length - 1] === 2).toBe(true);
    // and sampling took place: these settings and seed leave the greedy path
    expect(ids).not.toEqual(greedy.slice(prompt.length, prompt.length + ids.length));
    expect(err).toMatch(/^\[cria\] cpu auto: prefill 8 tokens at [\d.]+ tok\/s, decode \d+ tokens at [\d.]+ tok\/s$/m);
  });

  it('is greedy without sampling flags (and with --temperature 0) even where generation_config.json samples', async () => {
    const { prompt_ids: prompt, output_ids: output } = golden();
    const sampling = mkdtempSync(join(tmpdir(), 'cria-generate-'));
    try {
      for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(dir, file), join(sampling, file));
      writeFileSync(join(sampling, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2, do_sample: true, temperature: 2.0 }));
      const greedy = output.slice(prompt.length);
      const base = ['--model', sampling, '--prompt-ids', prompt.join(','), '--max-new-tokens', '16'];
      expect((await streamedIds(base)).ids).toEqual(greedy);
      expect((await streamedIds([...base, '--temperature', '0', '--top-k', '5'])).ids).toEqual(greedy);
    } finally {
      rmSync(sampling, { recursive: true, force: true });
    }
  });
});

describe('the flags generate, chat and serve share', () => {
  it('are checked the same way, before anything loads, naming the command', async () => {
    for (const command of ['generate', 'chat', 'serve']) {
      const cases: [string[], RegExp][] = [
        [['--top-p', '0'], new RegExp(`cria ${command}: --top-p must be in \\(0, 1\\]`)],
        [['--top-p', '1.5'], new RegExp(`cria ${command}: --top-p must be a number in \\[0, 1\\], got '1.5'`)],
        [['--temperature=-1'], new RegExp(`cria ${command}: --temperature must be a number in \\[0, Infinity\\], got '-1'`)],
        [['--top-k', '2.5'], new RegExp(`cria ${command}: --top-k must be an integer in \\[0, \\d+\\], got '2.5'`)],
        [['--seed=-3'], new RegExp(`cria ${command}: --seed must be an integer in \\[0, 4294967295\\], got '-3'`)],
        [['--max-new-tokens', '0'], new RegExp(`cria ${command}: --max-new-tokens must be an integer in \\[1, \\d+\\], got '0'`)],
        [['--dtype', 'int4'], new RegExp(`cria ${command}: --dtype must be one of auto, float32, float16, bfloat16, got 'int4'`)],
      ];
      for (const [flag, message] of cases) {
        const io = capture();
        expect(await main([command, '--model', '/nonexistent-dir', ...flag]), `${command} ${flag.join(' ')}`).toBe(2);
        expect(io.err()).toMatch(message);
        vi.restoreAllMocks();
      }
    }
  });

  it('generate refuses --prompt with --prompt-ids, and ids that are not token ids', async () => {
    const io = capture();
    expect(await main(['generate', '--model', 'x', '--prompt', 'a', '--prompt-ids', '1'])).toBe(2);
    expect(io.err()).toMatch(/cria generate: pass --prompt or --prompt-ids, not both/);
    expect(await main(['generate', '--model', 'x', '--prompt-ids', '1,-2'])).toBe(2);
    expect(io.err()).toMatch(/cria generate: --prompt-ids must be comma-separated token ids, got '1,-2'/);
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
