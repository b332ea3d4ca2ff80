// cria: AutoModelForCausalLM.from_pretrained(dir, { device }) and generate(), greedy, no EOS stop.
import { createBackend } from '@cria/kernels-cpu';
import { AutoModelForCausalLM, type FromPretrainedOptions, LlamaForCausalLM } from '@cria/models';
import { type Sample, type SampleRequest, sampleOf, warmupOf } from './sample.js';

export async function runCria(req: SampleRequest): Promise<Sample> {
  const loadStart = performance.now();
  const device = req.device as FromPretrainedOptions['device'];
  // A build asked for by name is started here with its threads; num_threads and use_mmap are the cpu backend's
  // options, left out elsewhere (another device refuses them by name).
  const built = req.cpuBuild ? await createBackend({ build: req.cpuBuild, threads: req.threads }) : null;
  const mmap = req.mmap ? {} : { use_mmap: false };
  const options: FromPretrainedOptions = built ? { device: built, ...mmap } : device === 'cpu' ? { device, num_threads: req.threads, ...mmap } : { device };
  const model = await AutoModelForCausalLM.from_pretrained(req.dir, options).catch((error: unknown) => {
    built?.dispose();
    throw error;
  });
  const loaded = performance.now();
  try {
    if (!(model instanceof LlamaForCausalLM)) throw new Error(`${req.dir} did not load as a LlamaForCausalLM`);
    const generate = async (prompt: number[], newTokens: number) => {
      let first = 0;
      const start = performance.now();
      const [sequence] = await model.generate([prompt], {
        max_new_tokens: newTokens,
        min_new_tokens: newTokens,
        do_sample: false,
        eos_token_id: null,
        streamer: () => {
          if (first === 0) first = performance.now();
        },
      });
      return { start, first, end: performance.now(), ids: (sequence ?? []).slice(prompt.length) };
    };
    const warmup = warmupOf(req);
    const cold = warmup ? await generate(warmup.prompt, warmup.newTokens) : null;
    const run = await generate(req.prompt, req.newTokens);
    const backend = (model.backend as { description?: string }).description ?? model.device;
    return sampleOf('cria', req, { loadStart, loaded, firstToken: (cold ?? run).first, ...run }, run.ids, { device: model.device, backend, dtype: 'as stored' });
  } finally {
    model.dispose();
    built?.dispose();
  }
}
