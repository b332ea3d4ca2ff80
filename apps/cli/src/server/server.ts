// The cria HTTP server: routes, one generation at a time, and a graceful close.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CriaError } from '@cria/core';
import type { SamplingOptions } from '../commands/generation-flags.js';
import type { LoadedModel } from '../commands/model-loading.js';
import { type CompletionContext, handleChatCompletion, handleCompletion } from './completion-handlers.js';
import { GenerationQueue } from './generation-queue.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http-io.js';
import { modelObject } from './openai-objects.js';

export interface ServeOptions {
  loaded: LoadedModel;
  /** The id /v1/models lists and responses carry. */
  modelId: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  defaultMaxTokens: number;
  sampling?: SamplingOptions;
  /** Requests that may wait while one generates (default 16); more get a 503. */
  maxWaiting?: number;
  /** The largest request body in bytes (default 4 MiB). */
  bodyLimit?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  server: Server;
  /** http://host:port */
  url: string;
  /**
   * Stops taking connections, lets the running and waiting generations finish (or, with force, aborts
   * them and drops every connection), then resolves. Does not dispose the model.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const queue = new GenerationQueue(options.maxWaiting ?? 16);
  const ctx: CompletionContext = {
    loaded: options.loaded,
    modelId: options.modelId,
    defaultMaxTokens: options.defaultMaxTokens,
    sampling: options.sampling ?? {},
    queue,
    log,
  };
  const bodyLimit = options.bodyLimit ?? 4 * 1024 * 1024;
  const started = Math.floor(Date.now() / 1000);
  let closing = false;
  const open = new Set<ServerResponse>();

  const post = (handle: (ctx: CompletionContext, body: Record<string, unknown>, res: ServerResponse) => Promise<void>): Handler =>
    async (req, res) => handle(ctx, await readJsonBody(req, bodyLimit), res);
  const routes: Record<string, Record<string, Handler>> = {
    '/health': { GET: async (_req, res) => sendJson(res, closing ? 503 : 200, { status: closing ? 'shutting down' : 'ok', waiting: queue.size }) },
    '/v1/models': { GET: async (_req, res) => sendJson(res, 200, { object: 'list', data: [modelObject(options.modelId, started)] }) },
    [`/v1/models/${options.modelId}`]: { GET: async (_req, res) => sendJson(res, 200, modelObject(options.modelId, started)) },
    '/v1/completions': { POST: post(handleCompletion) },
    '/v1/chat/completions': { POST: post(handleChatCompletion) },
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    if (closing) res.setHeader('Connection', 'close');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
    const route = routes[path];
    const handler = route?.[req.method ?? ''];
    const answer = async (): Promise<void> => {
      if (!route) throw new HttpError(404, `no route ${req.method} ${path}; cria serves GET /health, GET /v1/models, POST /v1/completions, POST /v1/chat/completions`);
      if (!handler) throw new HttpError(405, `${path} takes ${Object.keys(route).join(', ')}, not ${req.method}`);
      if (closing && req.method === 'POST') throw new HttpError(503, 'the server is shutting down');
      await handler(req, res);
    };
    answer().catch((error: unknown) => {
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      if (res.destroyed || !res.writable) return; // the client has gone
      const http =
        error instanceof HttpError ? error
        : error instanceof CriaError ? new HttpError(400, error.message)
        : new HttpError(500, `internal error: ${(error as Error).message}`);
      if (http.status >= 500 && !(error instanceof HttpError)) log(`[cria] ${req.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      sendError(res, http, http.status === 405 && route ? { Allow: Object.keys(route).join(', ') } : {});
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  const close = async ({ force = false } = {}): Promise<void> => {
    closing = true;
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Connections in use close once their response is written.
    for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
    if (force) {
      server.closeAllConnections();
      for (const res of open) res.destroy();
    }
    await queue.idle();
    server.closeIdleConnections();
    await closed;
  };
  return { server, url: `http://${host}:${address.port}`, close };
}
