// The next-token distribution after a prompt, from each engine on the same GGUF file: llama.cpp's probabilities
// (node-llama-cpp's evaluateWithMetadata, temperature 0: the softmax of the raw logits) and the softmax of cria's
// logits at the prompt's last position, both over the whole vocabulary.
import type { Token } from 'node-llama-cpp';

export interface ProbabilitiesRequest {
  gguf: string;
  prompt: number[];
  threads: number;
  device: string;
}

export async function llamaCppProbabilities(req: ProbabilitiesRequest): Promise<number[]> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: req.threads });
  const model = await llama.loadModel({ modelPath: req.gguf, gpuLayers: 0, useMmap: false });
  const context = await model.createContext({
    contextSize: req.prompt.length + 8, batchSize: req.prompt.length, sequences: 1, threads: { ideal: req.threads, min: req.threads },
    flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
  });
  try {
    const steps = context.getSequence().evaluateWithMetadata(req.prompt as Token[], { probabilities: true }, { temperature: 0 });
    const first = await steps.next();
    await steps.return();
    if (first.done) throw new Error('llama.cpp gave no next token');
    const out: number[] = [];
    for (const [token, p] of first.value.probabilities) out[token] = p;
    return Array.from(out, (p) => p ?? 0);
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

export async function criaProbabilities(req: ProbabilitiesRequest): Promise<number[]> {
  const { LlamaForCausalLM, disposeOutput } = await import('@cria/models');
  const model = await LlamaForCausalLM.from_pretrained(req.gguf, { device: req.device as 'cpu', ...(req.device === 'cpu' ? { num_threads: req.threads } : {}) });
  try {
    const out = await model.forward({ input_ids: [req.prompt], use_cache: false });
    const vocab = model.config.vocab_size;
    const logits = (await out.logits!.toFloat32()).subarray((req.prompt.length - 1) * vocab);
    disposeOutput(out);
    let max = -Infinity;
    for (const x of logits) max = Math.max(max, x);
    let sum = 0;
    const p = Array.from(logits, (x) => Math.exp(x - max));
    for (const x of p) sum += x;
    return p.map((x) => x / sum);
  } finally {
    model.dispose();
  }
}
