// cria serve: an OpenAI-compatible HTTP server (a subset) for one checkpoint.
import { basename, resolve } from 'node:path';
import { UsageError, intFlag, parseFlags } from '../args.js';
import { startServer } from '../server/server.js';
import { GENERATION_FLAGS, GENERATION_FLAGS_HELP, parseGenerationFlags } from './generation-flags.js';
import { loadModelAndTokenizer } from './model-loading.js';

export const SERVE_HELP = `cria serve --model <dir> [--host 127.0.0.1] [--port 8080] [--model-name NAME] [--max-waiting N]
    ${GENERATION_FLAGS_HELP}
  An OpenAI-compatible server: POST /v1/completions, POST /v1/chat/completions (JSON, or SSE with
  "stream": true), GET /v1/models, GET /health. One request generates at a time; up to --max-waiting
  (default 16) wait, more get 503. --max-new-tokens (default 256) is max_tokens when a request has none;
  the sampling flags are defaults under each request's fields. Ctrl-C / SIGTERM finish the running
  requests and stop; a second one stops at once.`;

const FLAGS = {
  ...GENERATION_FLAGS,
  host: { type: 'string' },
  port: { type: 'string' },
  'model-name': { type: 'string' },
  'max-waiting': { type: 'string' },
} as const;

export async function serveCommand(argv: string[]): Promise<void> {
  const v = parseFlags('serve', argv, FLAGS);
  if (v.help) {
    process.stdout.write(SERVE_HELP + '\n');
    return;
  }
  const flags = parseGenerationFlags('serve', v, 256);
  const host = v.host === undefined ? '127.0.0.1' : String(v.host);
  if (host === '') throw new UsageError('cria serve: --host must be a host name or address');
  const port = intFlag('serve', v, 'port', 0, 65535) ?? 8080;
  const maxWaiting = intFlag('serve', v, 'max-waiting', 0) ?? 16;
  const modelId = v['model-name'] === undefined ? basename(resolve(flags.dir)) : String(v['model-name']);
  if (modelId === '' || /[\s/]/.test(modelId)) throw new UsageError(`cria serve: --model-name must be a name without spaces or '/', got '${modelId}'`);

  const loaded = await loadModelAndTokenizer(flags);
  try {
    const running = await startServer({ loaded, modelId, host, port, defaultMaxTokens: flags.maxNewTokens, sampling: flags.sampling, maxWaiting });
    process.stderr.write(`[cria] serving ${modelId} (${loaded.model.device}) on ${running.url}/v1 — Ctrl-C to stop\n`);
    await new Promise<void>((done) => {
      let signals = 0;
      const stop = (signal: NodeJS.Signals): void => {
        signals++;
        process.stderr.write(signals === 1 ? `[cria] ${signal}: finishing running requests (again to stop now)\n` : `[cria] ${signal}: stopping now\n`);
        running.close({ force: signals > 1 }).then(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.stderr.write('[cria] stopped\n');
  } finally {
    loaded.model.dispose();
  }
}
