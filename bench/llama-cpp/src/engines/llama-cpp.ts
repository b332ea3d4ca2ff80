// llama.cpp through node-llama-cpp's prebuilt CPU binaries: the GGUF loaded (read, not mapped, unless asked),
// one context sequence, the prompt evaluated in one batch, then greedy tokens one at a time, EOS not stopping it.
import type { Token } from 'node-llama-cpp';
import { type Sample, type SampleRequest, sampleOf, warmupOf } from './sample.js';

export async function runLlamaCpp(req: SampleRequest): Promise<Sample> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  // binding load is not timed (as cria's imports are not)
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: req.threads });
  const loadStart = performance.now();
  const model = await llama.loadModel({ modelPath: req.gguf, gpuLayers: 0, useMmap: req.mmap, lazyMode: false });
  const context = await model.createContext({
    contextSize: req.prompt.length + req.newTokens + 8,
    batchSize: Math.max(1, req.prompt.length),
    sequences: 1,
    threads: { ideal: req.threads, min: req.threads },
    flashAttention: false,
    experimentalKvCacheKeyType: req.llamaKv,
    experimentalKvCacheValueType: req.llamaKv,
  });
  const sequence = context.getSequence();
  const loaded = performance.now();
  try {
    const generate = async (prompt: number[], newTokens: number) => {
      await sequence.clearHistory();
      const ids: number[] = [];
      let first = 0;
      const start = performance.now();
      for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
        if (first === 0) first = performance.now();
        ids.push(token);
        if (ids.length >= newTokens) break;
      }
      return { start, first, end: performance.now(), ids };
    };
    const warmup = warmupOf(req);
    const cold = warmup ? await generate(warmup.prompt, warmup.newTokens) : null;
    const run = await generate(req.prompt, req.newTokens);
    return sampleOf('llama.cpp', req, { loadStart, loaded, firstToken: (cold ?? run).first, ...run }, run.ids, {
      build_type: llama.buildType,
      llama_cpp_release: llama.llamaCppRelease,
      gpu: llama.gpu,
      cpu_math_cores: llama.cpuMathCores,
      system_info: llama.systemInfo,
      use_mmap: req.mmap,
      kv_cache_type: req.llamaKv,
      context_threads: context.currentThreads,
    });
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}
