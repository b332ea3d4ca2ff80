// Loading by ranges against loading whole, on the fixtures: same bits, bounded reads, progress, cleanup on errors.
import { LlamaConfig } from '@cria/config';
import { type Backend, type ByteSource, type CountingSource, type ModelDirectory, type QuantDType, type Tensor, countingSource, nodeDirectory, openSafetensors, quantDTypeForRows, quantize } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { CpuBackend } from '@cria/kernels-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LlamaForCausalLM } from '../llama/heads.js';
import { type LoadDType, loadWeights } from './load-weights.js';
import { openCheckpoint } from './open-checkpoint.js';
import type { ProgressInfo } from './progress.js';
import type { WeightSource } from './weight-source.js';

const MHA_F32 = fixture('models', 'tiny-llama1-mha');
const GQA_F16_SHARDED = fixture('models', 'tiny-llama2-gqa-f16-sharded');
const LLAMA3_BF16_TIED = fixture('models', 'tiny-llama3-bf16-tied');

/** A directory whose opened files count and log their reads. */
function countingDirectory(path: string): { directory: ModelDirectory; sources: CountingSource[] } {
  const inner = nodeDirectory(path);
  const sources: CountingSource[] = [];
  const directory: ModelDirectory = {
    name: inner.name,
    exists: (file) => inner.exists(file),
    readText: (file) => inner.readText(file),
    readJson: (file) => inner.readJson(file),
    open: async (file): Promise<ByteSource> => {
      const source = countingSource(await inner.open(file));
      sources.push(source);
      return source;
    },
  };
  return { directory, sources };
}

/** The same checkpoint without ranged reads: the loader must take whole tensors. */
function wholeOnly(source: WeightSource): WeightSource {
  return { keys: () => source.keys(), info: (name) => source.info(name), get: (name) => source.get(name) };
}

interface Loaded {
  model: LlamaForCausalLM;
  events: ProgressInfo[];
}

async function load(dir: string, options: { dtype: LoadDType; chunkBytes?: number; ranged: boolean; backend?: Backend; directory?: ModelDirectory }): Promise<Loaded> {
  const backend = options.backend ?? new CpuBackend();
  const directory = options.directory ?? nodeDirectory(dir);
  const model = new LlamaForCausalLM(await LlamaConfig.from_pretrained(dir), backend);
  const checkpoint = await openCheckpoint(directory);
  const events: ProgressInfo[] = [];
  try {
    const source = options.ranged ? checkpoint : wholeOnly(checkpoint);
    await loadWeights(model, source, backend, { dtype: options.dtype, basePrefix: LlamaForCausalLM.basePrefix, where: directory.name, chunkBytes: options.chunkBytes, progressCallback: (e) => events.push(e) });
  } finally {
    await checkpoint.close();
  }
  return { model, events };
}

/** Every parameter's dtype and raw bytes as read back from the device. */
async function parameterBytes(model: LlamaForCausalLM): Promise<Map<string, { dtype: string; bytes: Uint8Array }>> {
  const out = new Map<string, { dtype: string; bytes: Uint8Array }>();
  for (const [name, param] of model.namedParameters()) {
    const data = await param.value.toArray();
    out.set(name, { dtype: param.value.dtype, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return out;
}

/** Stored bytes of every tensor of the checkpoint in `dir`, by file, from the safetensors headers. */
async function storedBytesByFile(dir: string): Promise<Map<string, number>> {
  const checkpoint = await openSafetensors(dir);
  const byFile = new Map<string, number>();
  for (const key of checkpoint.keys()) {
    const info = checkpoint.info(key);
    byFile.set(info.file, (byFile.get(info.file) ?? 0) + info.byteLength);
  }
  await checkpoint.close();
  return byFile;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('loading by ranges', () => {
  const cases: [string, string, LoadDType[]][] = [
    ['tiny-llama1-mha (float32)', MHA_F32, ['auto', 'float16', 'bfloat16', 'q8_0', 'q4_k', 'q6_k']],
    ['tiny-llama2-gqa-f16-sharded (float16, two shards)', GQA_F16_SHARDED, ['auto', 'float32', 'bfloat16', 'q4_0', 'q5_1']],
    ['tiny-llama3-bf16-tied (bfloat16, tied, 128256 vocab)', LLAMA3_BF16_TIED, ['auto', 'float16', 'float32']],
  ];
  for (const [label, dir, dtypes] of cases) {
    for (const dtype of dtypes) {
      it(`${label} as ${dtype}: 1000- and 1001-byte chunks give the whole-tensor load's bits`, async () => {
        const whole = await load(dir, { dtype, ranged: false });
        const expected = await parameterBytes(whole.model);
        for (const chunkBytes of [1000, 1001]) {
          const spy = vi.spyOn(CpuBackend.prototype, 'uploadByRanges');
          const ranged = await load(dir, { dtype, chunkBytes, ranged: true });
          expect(spy).toHaveBeenCalled();
          spy.mockRestore();
          const got = await parameterBytes(ranged.model);
          expect([...got.keys()]).toEqual([...expected.keys()]);
          for (const [name, { dtype: d, bytes }] of expected) {
            expect(got.get(name)!.dtype, name).toBe(d);
            expect(Buffer.compare(got.get(name)!.bytes, bytes), `${name} differs (chunkBytes ${chunkBytes})`).toBe(0);
          }
        }
      });
    }
  }

  it('quantizing at load: matrices hold the reference quantizer\'s blocks of their float32 values (K types fall back as llama-quantize does)', async () => {
    const { model } = await load(MHA_F32, { dtype: 'q4_k', ranged: true, chunkBytes: 1000 });
    const checkpoint = await openSafetensors(MHA_F32);
    try {
      for (const name of ['model.layers.0.self_attn.q_proj.weight', 'model.layers.1.mlp.down_proj.weight', 'lm_head.weight']) {
        const param = model.namedParameters().find(([n]) => n === name)![1].value;
        const [rows, cols] = param.shape as [number, number];
        // Rows of 64 are not whole Q4_K blocks of 256: llama-quantize's fallback is Q5_0; the MLP's rows of 172 are not
        // whole blocks of any format and stay float32.
        expect(param.dtype, name).toBe(cols === 64 ? 'q5_0' : 'float32');
        expect(quantDTypeForRows('q4_k', cols) ?? 'float32').toBe(param.dtype);
        if (param.dtype === 'float32') continue;
        const values = await (await checkpoint.get(name)).toFloat32();
        const expected = quantize(param.dtype as QuantDType, values, rows, cols);
        expect(Buffer.compare(new Uint8Array((await param.toArray()).buffer), expected), name).toBe(0);
      }
      const norm = model.namedParameters().find(([n]) => n === 'model.norm.weight')![1].value;
      expect(norm.dtype).toBe('float32');
    } finally {
      await checkpoint.close();
      model.dispose();
    }
  });

  it('reads each weight once, no read (after the headers) above the chunk size, even when narrowing float32 to float16', async () => {
    for (const [dir, dtype] of [[MHA_F32, 'float16'], [LLAMA3_BF16_TIED, 'float32'], [GQA_F16_SHARDED, 'auto']] as const) {
      const { directory, sources } = countingDirectory(dir);
      const backend = new CpuBackend();
      const model = new LlamaForCausalLM(await LlamaConfig.from_pretrained(dir), backend);
      const checkpoint = await openCheckpoint(directory);
      for (const s of sources) {
        s.reads.length = 0;
        s.bytesRead = 0;
      }
      await loadWeights(model, checkpoint, backend, { dtype, basePrefix: LlamaForCausalLM.basePrefix, where: dir, chunkBytes: 1000 });
      await checkpoint.close();
      const reads = sources.flatMap((s) => s.reads);
      expect(reads.length).toBeGreaterThan(20);
      expect(Math.max(...reads.map((r) => r.length))).toBeLessThanOrEqual(1000);
      const stored = [...(await storedBytesByFile(dir)).values()].reduce((a, b) => a + b, 0);
      expect(sources.reduce((n, s) => n + s.bytesRead, 0)).toBe(stored);
    }
  });
});

describe('loadWeights options', () => {
  it('refuses a chunk size that is not a positive integer, naming it', async () => {
    for (const chunkBytes of [0, -8, 1.5, Number.NaN]) {
      await expect(load(MHA_F32, { dtype: 'auto', ranged: true, chunkBytes })).rejects.toThrow(/loadWeights: 'chunkBytes' must be a positive integer/);
    }
  });
});

describe('progress', () => {
  it('per file: initiate, progress with growing loaded up to its stored bytes, done; totals over both shards; ready once, last', async () => {
    const { events } = await load(GQA_F16_SHARDED, { dtype: 'float32', chunkBytes: 4096, ranged: true });
    const byFile = await storedBytesByFile(GQA_F16_SHARDED);
    const totalBytes = [...byFile.values()].reduce((a, b) => a + b, 0);
    expect(events.at(-1)).toEqual({ status: 'ready', name: GQA_F16_SHARDED, model: GQA_F16_SHARDED, totalLoaded: totalBytes, totalBytes, totalProgress: 100 });
    expect(events.filter((e) => e.status === 'ready')).toHaveLength(1);
    const files = events.filter((e) => e.status === 'initiate').map((e) => (e as { file: string }).file);
    expect(files.sort()).toEqual([...byFile.keys()].sort());
    let totalLoaded = 0;
    let current: string | null = null;
    let loaded = 0;
    for (const e of events.slice(0, -1)) {
      if (e.status === 'initiate') {
        expect(current).toBeNull();
        current = e.file;
        loaded = 0;
      } else if (e.status === 'progress') {
        expect(e.file).toBe(current);
        expect(e.loaded).toBeGreaterThan(loaded);
        expect(e.totalLoaded).toBeGreaterThan(totalLoaded);
        loaded = e.loaded;
        totalLoaded = e.totalLoaded;
        expect(e.total).toBe(byFile.get(e.file));
        expect(e.totalBytes).toBe(totalBytes);
        expect(e.progress).toBeCloseTo((100 * e.loaded) / e.total, 10);
        expect(e.totalProgress).toBeCloseTo((100 * e.totalLoaded) / totalBytes, 10);
      } else if (e.status === 'done') {
        expect(e.file).toBe(current);
        expect(loaded).toBe(byFile.get(e.file));
        current = null;
      }
    }
    expect(totalLoaded).toBe(totalBytes);
    // Per chunk: the 512x64 float16 embedding (65536 bytes stored) alone gives 65536 / 2048 progress events at 4096-byte chunks of float32.
    const progressEvents = events.filter((e) => e.status === 'progress').length;
    expect(progressEvents).toBeGreaterThanOrEqual(30 + 65536 / 2048);
  });

  it('the whole-tensor path (pytorch-like sources) reports once per tensor with the same totals', async () => {
    const { events } = await load(MHA_F32, { dtype: 'auto', ranged: false });
    const total = [...(await storedBytesByFile(MHA_F32)).values()][0]!;
    const progress = events.filter((e): e is Extract<ProgressInfo, { status: 'progress' }> => e.status === 'progress');
    expect(progress).toHaveLength(21); // the tensors of model.safetensors
    expect(progress.at(-1)!.loaded).toBe(total);
    expect(events.map((e) => e.status).filter((s) => s !== 'progress')).toEqual(['initiate', 'done', 'ready']);
  });

  it('from_pretrained passes progress_callback through and refuses one that is not a function', async () => {
    const events: ProgressInfo[] = [];
    const model = await LlamaForCausalLM.from_pretrained(LLAMA3_BF16_TIED, { device: 'cpu', progress_callback: (e) => events.push(e) });
    expect(events[0]).toEqual({ status: 'initiate', name: LLAMA3_BF16_TIED, file: 'model.safetensors' });
    expect(events.at(-1)!.status).toBe('ready');
    // Tied lm_head is not stored, and the embedding is read once.
    expect((events.at(-1) as { totalBytes: number }).totalBytes).toBe((await storedBytesByFile(LLAMA3_BF16_TIED)).get('model.safetensors'));
    model.dispose();
    await expect(LlamaForCausalLM.from_pretrained(MHA_F32, { device: 'cpu', progress_callback: 'yes' as never })).rejects.toThrow(/'progress_callback' must be a function, got string/);
  });

  for (const [when, stopAt] of [['mid-way through the weights', (e: ProgressInfo, n: number) => e.status === 'progress' && n === 10], ['at ready', (e: ProgressInfo) => e.status === 'ready']] as const) {
    it(`a callback that throws ${when}: from_pretrained rethrows it and every uploaded weight is disposed`, async () => {
      const uploaded: Tensor[] = [];
      const original = CpuBackend.prototype.uploadByRanges;
      vi.spyOn(CpuBackend.prototype, 'uploadByRanges').mockImplementation(async function (this: CpuBackend, ...args) {
        const t = await original.apply(this, args);
        uploaded.push(t);
        return t;
      });
      let calls = 0;
      const disposeSpy = vi.spyOn(LlamaForCausalLM.prototype, 'dispose');
      const failure = LlamaForCausalLM.from_pretrained(MHA_F32, {
        device: new CpuBackend(),
        progress_callback: (e) => {
          if (stopAt(e, ++calls)) throw new Error('stop loading');
        },
      });
      await expect(failure).rejects.toThrow('stop loading');
      expect(disposeSpy).toHaveBeenCalledOnce();
      expect(uploaded.length).toBeGreaterThan(0);
      expect(uploaded.filter((t) => !t.disposed)).toEqual([]);
    });
  }
});
