// cria serve on port 0 (loopback) against greedy and seeded generate() computed here.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer, type PreTrainedTokenizer } from '@cria/tokenizer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoadedModel } from '../src/commands/model-loading.js';
import { GenerationQueue } from '../src/server/generation-queue.js';
import { main } from '../src/main.js';
import { captureOutput } from './capture-output.js';
import { type RunningServer, startServer } from '../src/server/server.js';

const TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}<<SYS>>{{ message['content'] }}<</SYS>>" +
  "{% elif message['role'] == 'user' %}[INST] {{ message['content'] }} [/INST]{% else %} {{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}";

let dir: string;
let model: LlamaForCausalLM;
let tokenizer: PreTrainedTokenizer;
let server: RunningServer;
const logLines: string[] = [];

beforeAll(async () => {
  const source = fixture('models', 'llama2c-260k');
  dir = mkdtempSync(join(tmpdir(), 'cria-serve-'));
  for (const file of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer.model']) copyFileSync(join(source, file), join(dir, file));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'LlamaTokenizer', add_bos_token: true, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', legacy: true, chat_template: TEMPLATE }),
  );
  model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
  tokenizer = await AutoTokenizer.from_pretrained(dir);
  const loaded: LoadedModel = { dir, model, tokenizer, contextLength: 512 };
  server = await startServer({ loaded, modelId: 'tiny', host: '127.0.0.1', port: 0, defaultMaxTokens: 8, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await server?.close({ force: true });
  model?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Expected {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
}

/** generate() on the ids, decoded as the server decodes (special tokens skipped). */
async function expectedReply(ids: number[], maxNewTokens: number, sampling: Record<string, unknown> = {}): Promise<Expected> {
  const [sequence] = await model.generate([ids], { max_new_tokens: maxNewTokens, ...sampling });
  const generated = sequence!.slice(ids.length);
  return {
    text: tokenizer.decode(generated, { skip_special_tokens: true }),
    promptTokens: ids.length,
    completionTokens: generated.length,
    finishReason: generated.length === maxNewTokens && generated[generated.length - 1] !== 2 ? 'length' : 'stop',
  };
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(server.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
}

/** The data of each SSE event; the last must be [DONE]. */
async function events(res: Response): Promise<Record<string, any>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const text = await res.text();
  const data = text.split('\n\n').filter((e) => e !== '').map((e) => {
    expect(e.startsWith('data: ')).toBe(true);
    return e.slice('data: '.length);
  });
  expect(data[data.length - 1]).toBe('[DONE]');
  return data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, any>);
}

describe('cria serve: endpoints', () => {
  it('GET /health and /v1/models', async () => {
    const health = await fetch(server.url + '/health');
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const models = (await (await fetch(server.url + '/v1/models')).json()) as { object: string; data: { id: string; object: string }[] };
    expect(models.object).toBe('list');
    expect(models.data.map((m) => [m.id, m.object])).toEqual([['tiny', 'model']]);
  });

  it('POST /v1/completions answers greedy generate() with usage counts', async () => {
    const prompt = 'Once upon a time';
    const expected = await expectedReply(tokenizer.encode(prompt), 12);
    expect(expected.text.trim()).not.toBe('');
    const res = await post('/v1/completions', { model: 'tiny', prompt, max_tokens: 12, temperature: 0 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.object).toBe('text_completion');
    expect(body.model).toBe('tiny');
    expect(body.choices[0].text).toBe(expected.text);
    expect(body.choices[0].finish_reason).toBe(expected.finishReason);
    expect(body.usage).toEqual({ prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens, total_tokens: expected.promptTokens + expected.completionTokens });
  });

  it('a prompt of token ids, and max_tokens defaulting to the server default (8)', async () => {
    const ids = tokenizer.encode('The little dog');
    const expected = await expectedReply(ids, 8);
    const body = (await (await post('/v1/completions', { prompt: ids, temperature: 0 })).json()) as Record<string, any>;
    expect(body.choices[0].text).toBe(expected.text);
    expect(body.usage.completion_tokens).toBe(expected.completionTokens);
  });

  it('stream: true sends SSE chunks whose text concatenates to the non-streaming text, then usage and [DONE]', async () => {
    const request = { prompt: 'Once upon a time', max_tokens: 20, temperature: 0 };
    const whole = (await (await post('/v1/completions', request)).json()) as Record<string, any>;
    const chunks = await events(await post('/v1/completions', { ...request, stream: true, stream_options: { include_usage: true } }));
    const usage = chunks.pop()!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual(whole.usage);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.object === 'text_completion' && c.id === chunks[0]!.id)).toBe(true);
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(whole.choices[0].text);
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks[chunks.length - 1]!.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
  });

  it('POST /v1/chat/completions renders the chat template and answers greedy generate(), streaming the same text', async () => {
    const messages = [
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'Once upon a time' },
      { role: 'assistant', content: 'there was a cat.' },
      { role: 'user', content: [{ type: 'text', text: 'What ' }, { type: 'text', text: 'next?' }] },
    ];
    const rendered = '<s><<SYS>>Be kind.<</SYS>>[INST] Once upon a time [/INST] there was a cat.</s>[INST] What next? [/INST]';
    const expected = await expectedReply(tokenizer.encode(rendered, { add_special_tokens: false }), 16);
    const body = (await (await post('/v1/chat/completions', { model: 'tiny', messages, max_tokens: 16, temperature: 0 })).json()) as Record<string, any>;
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: expected.text });
    expect(body.choices[0].finish_reason).toBe(expected.finishReason);
    expect(body.usage.prompt_tokens).toBe(expected.promptTokens);
    const chunks = await events(await post('/v1/chat/completions', { messages, max_completion_tokens: 16, temperature: 0, stream: true }));
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(expected.text);
    expect(chunks[chunks.length - 1]!.choices[0]).toMatchObject({ delta: {}, finish_reason: expected.finishReason });
  });

  it('stop ends the text before the stop string, streaming or not', async () => {
    const prompt = 'Once upon a time';
    const full = await expectedReply(tokenizer.encode(prompt), 24);
    const stop = full.text.slice(6, 9);
    const cut = full.text.indexOf(stop);
    expect(cut).toBeGreaterThan(0);
    const request = { prompt, max_tokens: 24, temperature: 0, stop: ['never appears', stop] };
    const body = (await (await post('/v1/completions', request)).json()) as Record<string, any>;
    expect(body.choices[0].text).toBe(full.text.slice(0, cut));
    expect(body.choices[0].finish_reason).toBe('stop');
    const chunks = await events(await post('/v1/completions', { ...request, stream: true }));
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(full.text.slice(0, cut));
  });

  it('temperature, top_p and seed sample as generate() does with the same seed', async () => {
    const prompt = 'Tom had a ball';
    const expected = await expectedReply(tokenizer.encode(prompt), 12, { do_sample: true, temperature: 0.9, top_p: 0.95, seed: 1234 });
    const greedy = await expectedReply(tokenizer.encode(prompt), 12);
    expect(expected.text).not.toBe(greedy.text);
    const request = { prompt, max_tokens: 12, temperature: 0.9, top_p: 0.95, seed: 1234 };
    const first = (await (await post('/v1/completions', request)).json()) as Record<string, any>;
    expect(first.choices[0].text).toBe(expected.text);
  });

  it('concurrent requests wait their turn and each gets its own answer', async () => {
    const prompts = ['Once upon a time', 'The sun was', 'Lily and Ben'];
    const expected = await Promise.all(prompts.map((p) => expectedReply(tokenizer.encode(p), 10)));
    const answers = await Promise.all(prompts.map(async (prompt, i) => {
      if (i === 1) return (await events(await post('/v1/completions', { prompt, max_tokens: 10, temperature: 0, stream: true }))).map((c) => c.choices[0].text).join('');
      return ((await (await post('/v1/completions', { prompt, max_tokens: 10, temperature: 0 })).json()) as Record<string, any>).choices[0].text as string;
    }));
    expect(answers).toEqual(expected.map((e) => e.text));
  });

  it('a client that goes away mid-stream frees the model for the next request', async () => {
    const gone = new AbortController();
    const res = await fetch(server.url + '/v1/completions', { method: 'POST', body: JSON.stringify({ prompt: 'Once', max_tokens: 500, temperature: 0, stream: true }), signal: gone.signal });
    const reader = res.body!.getReader();
    await reader.read();
    gone.abort();
    await reader.read().catch(() => undefined);
    const expected = await expectedReply(tokenizer.encode('Once'), 4);
    const body = (await (await post('/v1/completions', { prompt: 'Once', max_tokens: 4, temperature: 0 })).json()) as Record<string, any>;
    expect(body.choices[0].text).toBe(expected.text);
    expect(logLines.some((l) => / \d{3} new/.test(l) && !/ 4 new/.test(l) && /prompt 2 tokens/.test(l))).toBe(false);
  });
});

describe('cria serve: bad requests', () => {
  async function rejects(path: string, body: unknown, status: number, message: RegExp, param?: string): Promise<void> {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const { error } = (await res.json()) as { error: { message: string; param: string | null; type: string } };
    expect(error.message).toMatch(message);
    if (param !== undefined) expect(error.param).toBe(param);
    expect(error.type).toBe('invalid_request_error');
  }

  it('answer 400 naming the field', async () => {
    await rejects('/v1/completions', '{"prompt": "a",', 400, /request body is not valid JSON/);
    await rejects('/v1/completions', '[1, 2]', 400, /request body must be a JSON object/);
    await rejects('/v1/completions', {}, 400, /'prompt' must be a string or a non-empty array of token ids in \[0, 512\)/, 'prompt');
    await rejects('/v1/completions', { prompt: [1, 99999] }, 400, /'prompt' must be/, 'prompt');
    await rejects('/v1/completions', { prompt: ['a', 'b'] }, 400, /one prompt per request/, 'prompt');
    await rejects('/v1/completions', { prompt: 'a', max_tokens: 0 }, 400, /'max_tokens' must be an integer >= 1, got 0/, 'max_tokens');
    await rejects('/v1/completions', { prompt: 'a', max_tokens: 2.5 }, 400, /'max_tokens' must be an integer/, 'max_tokens');
    await rejects('/v1/completions', { prompt: 'a', temperature: 'hot' }, 400, /'temperature' must be a number in \[0, 2\], got "hot"/, 'temperature');
    await rejects('/v1/completions', { prompt: 'a', top_p: 0 }, 400, /'top_p' must be a number in \(0, 1\]/, 'top_p');
    await rejects('/v1/completions', { prompt: 'a', seed: -1 }, 400, /'seed' must be an integer/, 'seed');
    await rejects('/v1/completions', { prompt: 'a', stop: 5 }, 400, /'stop' must be a non-empty string or an array/, 'stop');
    await rejects('/v1/completions', { prompt: 'a', stop: ['a', 'b', 'c', 'd', 'e'] }, 400, /'stop'/, 'stop');
    await rejects('/v1/completions', { prompt: 'a', stream: 'yes' }, 400, /'stream' must be true or false/, 'stream');
    await rejects('/v1/completions', { prompt: 'a', stream: true, stream_options: { include_usage: 1 } }, 400, /'stream_options\.include_usage' must be true or false/, 'stream_options.include_usage');
    await rejects('/v1/completions', { prompt: 'a', n: 2 }, 400, /'n' is not supported/, 'n');
    await rejects('/v1/completions', { prompt: 'a', logprobs: 3 }, 400, /'logprobs' is not supported/, 'logprobs');
    await rejects('/v1/completions', { prompt: 'a', model: 7 }, 400, /'model' must be a string/, 'model');
    await rejects('/v1/completions', { prompt: Array.from({ length: 600 }, () => 5) }, 400, /'prompt' is 600 tokens; the model's context \(max_position_embeddings\) is 512/, 'prompt');
    await rejects('/v1/chat/completions', { messages: [] }, 400, /'messages' must be a non-empty array/, 'messages');
    await rejects('/v1/chat/completions', { messages: [{ role: 'robot', content: 'hi' }] }, 400, /'messages\[0\]\.role' must be one of/, 'messages[0].role');
    await rejects('/v1/chat/completions', { messages: [{ role: 'user', content: 5 }] }, 400, /'messages\[0\]\.content' must be a string/, 'messages[0].content');
    await rejects(
      '/v1/chat/completions',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      400,
      /'messages\[0\]\.content\[0\]' must be a text part/,
      'messages[0].content[0]',
    );
    await rejects('/v1/chat/completions', { messages: [{ role: 'user', content: 'a' }], max_completion_tokens: -3 }, 400, /'max_completion_tokens' must be an integer >= 1/, 'max_completion_tokens');
    // Neutral values of unimplemented fields are accepted.
    const ok = await post('/v1/completions', { prompt: 'a', max_tokens: 1, n: 1, echo: false, logprobs: null, presence_penalty: 0, frequency_penalty: 0 });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it('unknown paths are 404 and wrong methods 405', async () => {
    const missing = await fetch(server.url + '/v1/embeddings', { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/no route POST \/v1\/embeddings/);
    const wrong = await fetch(server.url + '/v1/completions');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    await wrong.arrayBuffer();
  });
});

describe('cria serve: queue and shutdown', () => {
  it('the queue runs one job at a time in order and refuses jobs beyond its bound', async () => {
    const queue = new GenerationQueue(2);
    const order: string[] = [];
    let running = 0;
    const job = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${name}`);
      running--;
      return name;
    };
    const a = queue.run(job('a'));
    const b = queue.run(job('b'));
    const c = queue.run(job('c'));
    await expect(c).rejects.toThrow(/server busy: 2 requests are waiting/);
    const aborted = new AbortController();
    aborted.abort(new Error('gone'));
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    await expect(queue.run(job('d'), aborted.signal)).rejects.toThrow(/gone/);
    await queue.idle();
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('close() lets a running stream finish, then refuses connections', async () => {
    const loaded: LoadedModel = { dir, model, tokenizer, contextLength: 512 };
    const second = await startServer({ loaded, modelId: 'tiny', host: '127.0.0.1', port: 0, defaultMaxTokens: 8, log: () => undefined });
    const expected = await expectedReply(tokenizer.encode('Once upon a time'), 30);
    const res = await fetch(second.url + '/v1/completions', { method: 'POST', body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 30, temperature: 0, stream: true }) });
    const closed = second.close();
    const chunks = await events(res);
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(expected.text);
    await closed;
    await expect(fetch(second.url + '/health')).rejects.toThrow();
  });
});

describe('cria serve: setup', () => {
  it('a model without a chat template serves completions and answers chat with a 400 naming tokenizer_config.json', async () => {
    const plain = fixture('models', 'llama2c-260k');
    const loaded: LoadedModel = { dir: plain, model, tokenizer: await AutoTokenizer.from_pretrained(plain), contextLength: 512 };
    const third = await startServer({ loaded, modelId: 'plain', host: '127.0.0.1', port: 0, defaultMaxTokens: 4, log: () => undefined });
    try {
      const chat = await fetch(third.url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
      expect(chat.status).toBe(400);
      const { error } = (await chat.json()) as { error: { message: string; param: string } };
      expect(error.message).toMatch(/llama2c-260k\/tokenizer_config\.json sets no chat_template/);
      expect(error.param).toBe('messages');
      const expected = await expectedReply(tokenizer.encode('Once'), 4);
      const done = (await (await fetch(third.url + '/v1/completions', { method: 'POST', body: JSON.stringify({ prompt: 'Once', temperature: 0 }) })).json()) as Record<string, any>;
      expect(done.choices[0].text).toBe(expected.text);
    } finally {
      await third.close();
    }
  });

  it('flags are checked before anything loads', async () => {
    const output = captureOutput();
    try {
      expect(await main(['serve', '--help'])).toBe(0);
      expect(await main(['serve'])).toBe(2);
      expect(await main(['serve', '--model', dir, '--port', '70000'])).toBe(2);
      expect(await main(['serve', '--model', dir, '--model-name', 'a b'])).toBe(2);
      expect(await main(['serve', '--model', dir, '--max-waiting', '1.5'])).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
    expect(output.out()).toMatch(/POST \/v1\/completions, POST \/v1\/chat\/completions/);
    const text = output.err();
    expect(text).toMatch(/cria serve: --model <dir> is required/);
    expect(text).toMatch(/--port must be an integer in \[0, 65535\], got '70000'/);
    expect(text).toMatch(/--model-name must be a name without spaces or '\/', got 'a b'/);
    expect(text).toMatch(/--max-waiting must be an integer in \[0, \d+\], got '1.5'/);
  });
});
