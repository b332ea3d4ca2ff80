// from_pretrained's options for the cpu backend: num_threads picks the backend's threads, use_mmap whether weights
// are mapped from their files or read; both change nothing in the numbers.
import { ArgumentError, type Backend, getBackend } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM } from '../src/index.js';

const DIR = fixture('models', 'tiny-llama2-gqa-f16-sharded');
const IDS = [[1, 103, 428, 67, 304, 502, 511, 468]];

async function logitsOf(model: LlamaForCausalLM): Promise<Float32Array> {
  const { logits } = await model.forward({ input_ids: IDS });
  try {
    return (await logits!.toArray()) as Float32Array;
  } finally {
    logits!.dispose();
  }
}

/** The cpu backend's description ('addon avx512 × 2 threads'). */
function descriptionOf(backend: Backend): string {
  return (backend as Backend & { description?: string }).description ?? backend.name;
}

/** `backend`, counting the tensors its mapFile gave back (not null). */
function countingMaps(backend: Backend): { backend: Backend; mapped: () => number } {
  let mapped = 0;
  const spy = new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'mapFile' && typeof value === 'function') {
        return (...args: Parameters<NonNullable<Backend['mapFile']>>) => {
          const tensor = target.mapFile!(...args);
          if (tensor) mapped++;
          return tensor;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { backend: spy, mapped: () => mapped };
}

describe('from_pretrained num_threads', () => {
  it('starts the cpu backend with that many threads, with the same logits', async () => {
    const one = await LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu', num_threads: 1 });
    const two = await LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu', num_threads: 2 });
    try {
      expect(descriptionOf(one.backend)).toMatch(/× 1 thread$/);
      expect(descriptionOf(two.backend)).toMatch(/× 2 threads$/);
      expect(one.backend).not.toBe(two.backend);
      // Threads split output rows and heads, never a sum: the numbers are the same bits.
      expect(await logitsOf(two)).toEqual(await logitsOf(one));
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('is refused by name where it cannot apply', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu', num_threads: bad })).rejects.toThrow(/'num_threads' must be a positive integer/);
    }
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: 'reference', num_threads: 1 })).rejects.toThrow(/'num_threads' sets the cpu backend's threads; device 'reference' has none/);
    const started = await getBackend('cpu');
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: started, num_threads: 1 })).rejects.toThrow(ArgumentError);
  });
});

describe('from_pretrained use_mmap', () => {
  it('maps every stored-dtype weight by default and none with use_mmap: false, with the same logits', async () => {
    const cpu = await getBackend('cpu');
    if (!cpu.mapFile) throw new Error(`the cpu backend here (${descriptionOf(cpu)}) does not map files: build the addon`);
    const byDefault = countingMaps(cpu);
    const read = countingMaps(cpu);
    const mappedModel = await LlamaForCausalLM.from_pretrained(DIR, { device: byDefault.backend });
    const readModel = await LlamaForCausalLM.from_pretrained(DIR, { device: read.backend, use_mmap: false });
    try {
      // Every matrix of this float16 checkpoint (3 layers × 7, embed_tokens, lm_head) is mapped; the norms are read
      // (they become float32 at load).
      const names = mappedModel.namedParameters().map(([name]) => name);
      expect(names.filter((name) => !name.includes('norm'))).toHaveLength(23);
      expect(byDefault.mapped()).toBe(23);
      expect(read.mapped()).toBe(0);
      expect(await logitsOf(readModel)).toEqual(await logitsOf(mappedModel));
    } finally {
      mappedModel.dispose();
      readModel.dispose();
    }
  });

  it('true is refused by a backend that cannot map files, and a non-boolean by name', async () => {
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: 'reference', use_mmap: true })).rejects.toThrow(/'use_mmap' is true, but the 'reference' backend cannot map files/);
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: 'cpu', use_mmap: 'yes' as never })).rejects.toThrow(/'use_mmap' must be a boolean, got string/);
  });
});

describe("a backend's memory limit (the cpu backend's wasm build: 4 GiB)", () => {
  // float16 matrices: embed_tokens and lm_head 512×64 each, per layer q 64×64, k and v 16×64, o 64×64, gate/up/down
  // 176×64 each: (2·32768 + 3·(4096 + 2·1024 + 4096 + 3·11264)) · 2 bytes = 395264; 7 float32 norms of 64: 1792.
  const WEIGHT_BYTES = 397056;

  /** The reference backend with a memory limit, counting the tensors made for weights. */
  async function limited(memoryLimit: number): Promise<{ backend: Backend; made: () => number }> {
    const reference = await getBackend('reference');
    let made = 0;
    const backend = new Proxy(reference, {
      get(target, property) {
        if (property === 'memoryLimit') return memoryLimit;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = (value as (...a: unknown[]) => unknown).bind(target);
        return property === 'upload' || property === 'uploadByRanges' ? (...a: unknown[]) => (made++, method(...a)) : method;
      },
    });
    return { backend, made: () => made };
  }

  it('refuses weights over the limit before allocating any, naming the checkpoint, both sizes and the dtype', async () => {
    const { backend, made } = await limited(WEIGHT_BYTES - 1);
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: backend })).rejects.toThrow(
      `tiny-llama2-gqa-f16-sharded: the weights take ${WEIGHT_BYTES} bytes (0.00 GiB) with dtype 'auto', more than the reference backend can hold: ${WEIGHT_BYTES - 1} bytes (0.00 GiB)`,
    );
    expect(made()).toBe(0);
    await expect(LlamaForCausalLM.from_pretrained(DIR, { device: backend, dtype: 'float32' })).rejects.toThrow(/take 792320 bytes .* with dtype 'float32'.*dtype 'float16' or 'bfloat16' halves the matrices/);
  });

  it('loads weights that fit exactly', async () => {
    const { backend, made } = await limited(WEIGHT_BYTES);
    const model = await LlamaForCausalLM.from_pretrained(DIR, { device: backend });
    try {
      expect(made()).toBe(30);
    } finally {
      model.dispose();
    }
  });
});
