// cria bench: its bounds (copy bandwidth, FLOPs), warm-up and decode-step flags, run in-process on small models.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Backend, registerBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { CpuBackend, NativeCpuBackend } from '@cria/kernels-cpu';
import { createEmulatedCudaBackend } from '@cria/kernels-cuda/testing';
import { LlamaForCausalLM } from '@cria/models';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prefillFlops, weightBytes } from '../src/commands/bench-bounds.js';
import { MODEL_SHAPES as SHAPES } from '@cria/config';
import { main } from '../src/main.js';
import { captureOutput as capture } from './capture-output.js';

afterEach(() => vi.restoreAllMocks());

const SMALL = ['--model', fixture('models', 'llama2c-260k'), '--prompt-length', '16', '--new-tokens', '8'];

async function bench(args: string[]): Promise<Record<string, unknown>> {
  const io = capture();
  const code = await main(['bench', ...args]);
  if (code !== 0) throw new Error(`cria bench exited ${code}: ${io.err()}`);
  return JSON.parse(io.out()) as Record<string, unknown>;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('prefillFlops', () => {
  it('counts stories110M by hand: projections per token, causal attention pairs, one lm_head row', () => {
    const s = SHAPES.stories110M as Record<string, number>;
    const shape = { ...s, num_key_value_heads: 12, head_dim: 64 } as Parameters<typeof prefillFlops>[0];
    const flops = prefillFlops(shape, 128);
    // per layer: q, k, v, o are 768 x 768 each; gate, up, down are 768 x 2048 each
    const perLayer = 4 * 768 * 768 + 3 * 768 * 2048; // 7,077,888
    expect(flops.linear).toBe(2 * 128 * 12 * perLayer);
    // 128 queries see 1 + 2 + ... + 128 = 8256 keys; q.k and p.v are 2 FLOPs per element each over head_dim 64
    expect(flops.attention).toBe(12 * 12 * 8256 * 64 * 4);
    expect(flops.lmHead).toBe(2 * 32000 * 768);
    expect(flops.total).toBe(169_869_312 * 128 + 12 * 12 * 8256 * 256 + 49_152_000);
    expect(flops.perToken).toBe(flops.total / 128);
    expect(flops.perToken).toBe(172_631_040); // 169,869,312 + 2,377,728 + 384,000
  });

  it('counts grouped-query k and v projections at kv_heads x head_dim', () => {
    const shape = { hidden_size: 64, intermediate_size: 172, num_hidden_layers: 5, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 8, vocab_size: 512 };
    // q: 64 x 64, k and v: 32 x 64 each, o: 64 x 64, mlp: 3 x 64 x 172
    expect(prefillFlops(shape, 1).linear).toBe(2 * 5 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 172));
    expect(prefillFlops(shape, 1).attention).toBe(4 * 5 * 8 * 8);
    expect(() => prefillFlops(shape, 0)).toThrow(/promptLength must be a positive integer, got 0/);
  });
});

describe('weightBytes', () => {
  it('counts a tied lm_head once and the whole table for a decode step', async () => {
    const model = await LlamaForCausalLM.from_pretrained(fixture('models', 'llama2c-260k'), { device: 'cpu' });
    const c = model.config;
    const perLayer = 2 * c.hidden_size * (c.num_attention_heads * c.headDim) + 2 * c.hidden_size * (c.numKvHeads * c.headDim) + 3 * c.hidden_size * c.intermediate_size + 2 * c.hidden_size;
    const all = 4 * (c.vocab_size * c.hidden_size + c.num_hidden_layers * perLayer + c.hidden_size);
    expect(weightBytes(model)).toEqual({ all, decodeStep: all });
    model.dispose();
  });

  it('counts one row of an embedding table not shared with lm_head for a decode step', async () => {
    const dir = fixture('models', 'tiny-llama1-mha');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { tie_word_embeddings?: boolean; vocab_size: number; hidden_size: number };
    expect(config.tie_word_embeddings ?? false).toBe(false);
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'float32' });
    const { all, decodeStep } = weightBytes(model);
    expect(all - decodeStep).toBe(4 * (config.vocab_size - 1) * config.hidden_size);
    model.dispose();
  });
});

describe('cria bench bounds', () => {
  it('reports the copy bandwidth, the decode bound and the prefill FLOP rate, consistent with each other', async () => {
    const spy = vi.spyOn(NativeCpuBackend.prototype, 'measureCopyBandwidth');
    const report = await bench([...SMALL, '--device', 'cpu', '--copy-mib', '1', '--matmul-tflops', '0.002']);
    expect(spy).toHaveBeenCalledWith(1 << 20);
    expect(report.warmup).toBe(true);
    expect(report.decode_step).toBe('op by op');
    expect(report.copy_bytes).toBe(1 << 20);
    expect(report.copy_timer).toBe('wall clock');
    const copy = report.copy_bytes_per_second as number;
    expect(Number.isFinite(copy) && copy > 0).toBe(true);
    const weights = report.decode_weight_bytes as number;
    expect(weights).toBe(report.weight_bytes); // llama2c-260k ties lm_head to the embeddings
    const bound = report.decode_bound_tokens_per_second as number;
    expect(relative(bound, copy / weights)).toBeLessThan(1e-3);
    expect(relative(report.decode_fraction_of_bound as number, (report.decode_tokens_per_second as number) / bound)).toBeLessThan(1e-2);
    const perToken = report.prefill_flops_per_token as number;
    expect(perToken).toBe(Math.round(prefillFlops({ hidden_size: 64, intermediate_size: 172, num_hidden_layers: 5, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 8, vocab_size: 512 }, 16).perToken));
    const flopRate = report.prefill_flops_per_second as number;
    expect(relative(flopRate, perToken * (report.prefill_tokens_per_second as number))).toBeLessThan(1e-2);
    expect(report.matmul_tflops).toBe(0.002);
    expect(relative(report.prefill_fraction_of_matmul_rate as number, flopRate / 2e9)).toBeLessThan(1e-3);
  });

  it('--no-bounds skips the copy measurement and leaves its fields null; without --matmul-tflops that fraction is null', async () => {
    const spy = vi.spyOn(NativeCpuBackend.prototype, 'measureCopyBandwidth');
    const report = await bench([...SMALL, '--device', 'cpu', '--no-bounds']);
    expect(spy).not.toHaveBeenCalled();
    for (const key of ['copy_bytes', 'copy_timer', 'copy_bytes_per_second', 'decode_bound_tokens_per_second', 'decode_fraction_of_bound', 'matmul_tflops', 'prefill_fraction_of_matmul_rate']) {
      expect(report[key], key).toBeNull();
    }
    expect(report.prefill_flops_per_second).toBeGreaterThan(0);
  });

  it('warms up with one short untimed generate unless --no-warmup', async () => {
    const generate = vi.spyOn(LlamaForCausalLM.prototype, 'generate');
    const report = await bench([...SMALL, '--device', 'cpu', '--no-bounds']);
    expect(report.warmup).toBe(true);
    expect(generate).toHaveBeenCalledTimes(2);
    const [warmInputs, warmOptions] = generate.mock.calls[0]!;
    expect((warmInputs as number[][])[0]).toHaveLength(16);
    expect(warmOptions).toMatchObject({ max_new_tokens: 3 });
    expect(generate.mock.calls[1]![1]).toMatchObject({ max_new_tokens: 8, min_new_tokens: 8 });
    generate.mockClear();
    expect((await bench([...SMALL, '--device', 'cpu', '--no-bounds', '--no-warmup'])).warmup).toBe(false);
    expect(generate).toHaveBeenCalledTimes(1);
  });
});

describe('cria bench on webgpu (Dawn; lavapipe in CI)', () => {
  it('times the copy with timestamp queries and names the adapter', async () => {
    const report = await bench([...SMALL, '--device', 'webgpu', '--copy-mib', '4']);
    expect(report.backend).toBe('webgpu');
    expect(report.device_description).toMatch(/webgpu \(Dawn\)/);
    expect(report.copy_timer).toBe('device timestamps');
    expect(report.copy_bytes).toBe(4 << 20);
    const copy = report.copy_bytes_per_second as number;
    expect(relative(report.decode_bound_tokens_per_second as number, copy / (report.decode_weight_bytes as number))).toBeLessThan(1e-3);
    expect(report.decode_step).toBe('op by op');
  });
});

describe('cria bench decode_step', () => {
  let emulated: Backend | undefined;
  afterEach(() => {
    emulated?.dispose();
    emulated = undefined;
    registerBackend('cuda', () => import('@cria/kernels-cuda'));
  });

  it("is 'captured' where the backend replays a captured step, and 'op by op' with --no-capture", async () => {
    const backend = createEmulatedCudaBackend();
    emulated = backend;
    registerBackend('cuda', { probe: async () => ({ available: true }), createBackend: async () => backend });
    const captures = vi.spyOn(backend, 'beginCapture');
    const captured = await bench([...SMALL, '--device', 'cuda', '--copy-mib', '1']);
    expect(captured.backend).toBe('cuda');
    expect(captured.decode_step).toBe('captured');
    expect(captured.copy_timer).toBe('device events');
    expect(captured.copy_bytes_per_second).toBeGreaterThan(0);
    expect(captures).toHaveBeenCalled();
    captures.mockClear();
    const opByOp = await bench([...SMALL, '--device', 'cuda', '--no-bounds', '--no-capture']);
    expect(opByOp.decode_step).toBe('op by op');
    expect(captures).not.toHaveBeenCalled();
    const generate = vi.spyOn(LlamaForCausalLM.prototype, 'generate');
    await bench([...SMALL, '--device', 'cuda', '--no-bounds', '--no-capture', '--no-warmup']);
    expect(generate.mock.calls[0]![1]).toMatchObject({ capture_decode_step: false });
  });
});

describe('cria bench ops', () => {
  it("runs the fused ops by default and the separate ops they replace with --separate-ops ('ops' says which)", async () => {
    const backend = new CpuBackend();
    registerBackend('cpu', { probe: async () => ({ available: true }), createBackend: async () => backend });
    const fusedCalls = (['linearMany', 'linearSiluMul', 'addRmsNorm'] as const).map((op) => vi.spyOn(backend, op));
    const siluMuls = vi.spyOn(backend, 'siluMul');
    for (const args of [SMALL, ['--shape', 'stories110M', '--prompt-length', '2', '--new-tokens', '2', '--no-warmup']]) {
      const fused = await bench([...args, '--device', 'cpu', '--no-bounds']);
      expect(fused.ops).toBe('fused');
      for (const call of fusedCalls) expect(call).toHaveBeenCalled();
      expect(siluMuls).not.toHaveBeenCalled();
      for (const call of [...fusedCalls, siluMuls]) call.mockClear();
      const separate = await bench([...args, '--device', 'cpu', '--no-bounds', '--separate-ops']);
      expect(separate.ops).toBe('separate');
      for (const call of fusedCalls) expect(call).not.toHaveBeenCalled();
      expect(siluMuls).toHaveBeenCalled();
      siluMuls.mockClear();
    }
  });
});

describe('cria bench flags', () => {
  it('refuses bad --matmul-tflops and --copy-mib values, and --copy-mib with --no-bounds, naming the flag', async () => {
    const io = capture();
    const cases: [string[], RegExp][] = [
      [['--matmul-tflops', 'fast'], /cria bench: --matmul-tflops must be a number in \[0, Infinity\], got 'fast'/],
      [['--matmul-tflops', '0'], /cria bench: --matmul-tflops must be a positive number \(the device's measured bf16 matmul TFLOP\/s\), got '0'/],
      [['--matmul-tflops=-3'], /--matmul-tflops must be a number .* got '-3'/],
      [['--matmul-tflops', 'Infinity'], /--matmul-tflops must be a number .* got 'Infinity'/],
      [['--copy-mib', '0'], /cria bench: --copy-mib must be an integer in \[1, 1048576\], got '0'/],
      [['--copy-mib', '1.5'], /--copy-mib must be an integer .* got '1.5'/],
      [['--no-bounds', '--copy-mib', '4'], /--copy-mib sizes the copy measurement, which --no-bounds skips/],
      [['--no-warmup=yes'], /no-warmup/],
    ];
    for (const [flags, message] of cases) {
      expect(await main(['bench', ...SMALL, '--device', 'cpu', ...flags])).toBe(2);
      expect(io.err()).toMatch(message);
    }
  });

  it('--help lists the bound flags', async () => {
    const io = capture();
    expect(await main(['bench', '--help'])).toBe(0);
    for (const flag of ['--matmul-tflops', '--copy-mib', '--no-bounds', '--no-warmup', '--no-capture', '--separate-ops']) expect(io.out()).toContain(flag);
  });
});
