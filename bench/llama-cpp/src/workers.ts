// Runs one sample in a child process (so each engine loads cold, its memory is its own and its peak RSS is its own).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineName, Sample, SampleRequest } from './engines/sample.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

export function runInChild(engine: EngineName, request: SampleRequest): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--worker', engine, '--request', JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${engine} worker exited with ${signal ?? code}${last ? `: ${last}` : ''}`));
      try {
        resolve(JSON.parse(last) as Sample);
      } catch {
        reject(new Error(`${engine} worker printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
}

/** The worker side: runs the sample, prints it as one JSON line. */
export async function workerMain(engine: string, requestJson: string): Promise<void> {
  const request = JSON.parse(requestJson) as SampleRequest;
  let sample: Sample;
  if (engine === 'cria') sample = await (await import('./engines/cria.js')).runCria(request);
  else if (engine === 'llama.cpp') sample = await (await import('./engines/llama-cpp.js')).runLlamaCpp(request);
  else throw new Error(`unknown engine '${engine}'`);
  process.stdout.write(JSON.stringify(sample) + '\n');
}
