// Runs one sample in a child process (so each engine loads cold, its memory is its own and its peak RSS is its own).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbabilitiesRequest } from './engines/probabilities.js';
import type { EngineName, Sample, SampleRequest } from './engines/sample.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/** Runs worker `engine` on `request` in a child process; resolves with the JSON line it prints last. */
function inChild<T>(engine: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--worker', engine, '--request', JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${engine} worker exited with ${signal ?? code}${last ? `: ${last}` : ''}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${engine} worker printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
}

export function runInChild(engine: EngineName, request: SampleRequest): Promise<Sample> {
  return inChild<Sample>(engine, request);
}

/** The next-token probabilities after `request.prompt` from one engine, in a child process. */
export function probabilitiesInChild(engine: EngineName, request: ProbabilitiesRequest): Promise<number[]> {
  return inChild<number[]>(`${engine}:probabilities`, request);
}

/** The worker side: runs the sample (or the probabilities), prints it as one JSON line. */
export async function workerMain(engine: string, requestJson: string): Promise<void> {
  if (engine.endsWith(':probabilities')) {
    const { criaProbabilities, llamaCppProbabilities } = await import('./engines/probabilities.js');
    const request = JSON.parse(requestJson) as ProbabilitiesRequest;
    const run = engine === 'cria:probabilities' ? criaProbabilities : engine === 'llama.cpp:probabilities' ? llamaCppProbabilities : null;
    if (!run) throw new Error(`unknown engine '${engine}'`);
    process.stdout.write(JSON.stringify(await run(request)) + '\n');
    return;
  }
  const request = JSON.parse(requestJson) as SampleRequest;
  let sample: Sample;
  if (engine === 'cria') sample = await (await import('./engines/cria.js')).runCria(request);
  else if (engine === 'llama.cpp') sample = await (await import('./engines/llama-cpp.js')).runLlamaCpp(request);
  else throw new Error(`unknown engine '${engine}'`);
  process.stdout.write(JSON.stringify(sample) + '\n');
}
